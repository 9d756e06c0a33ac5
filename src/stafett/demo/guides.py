# ruff: noqa: E501  (prose in two languages reads better unwrapped)
"""Demo action guides and tools for Fjordvik (nynorsk) and Nabovik (bokmål).

Written for Stafett: a short, practical default that a municipality adapts. Each
text is given in nynorsk and bokmål; the municipality's own language is written first.
Built through the real services as the municipality's administrator.

Idempotent: a municipality that already has guides or tools is left as it is (the
administrator may have edited them), so loading twice gives the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from stafett.accounts.models import User
from stafett.guides import services
from stafett.guides.models import FieldType, FormTemplate, Guide, TemplateKind, steps_for_level
from stafett.organisation.models import Municipality, ServiceCategory
from stafett.policy import Actor, build_actor

# (nynorsk, bokmål)
Pair = tuple[str, str]


@dataclass(frozen=True)
class FieldData:
    field_type: str
    label: Pair
    help_text: Pair = ("", "")
    section: Pair = ("", "")
    options: Pair = ("", "")
    required: bool = False


@dataclass(frozen=True)
class ToolData:
    kind: str
    title: Pair
    introduction: Pair
    fields: tuple[FieldData, ...]


def _signs(nn: list[str], nb: list[str]) -> Pair:
    return ("\n".join(nn), "\n".join(nb))


TOOLS: tuple[ToolData, ...] = (
    ToolData(
        TemplateKind.OBSERVATION,
        ("Observasjonsskjema", "Observasjonsskjema"),
        (
            "Skriv ned det du ser og høyrer, så nøkternt du kan. Skil mellom det du ser og det du tenkjer om det.",
            "Skriv ned det du ser og hører, så nøkternt du kan. Skill mellom det du ser og det du tenker om det.",
        ),
        (
            FieldData(
                FieldType.DATE, ("Dato for observasjonen", "Dato for observasjonen"), required=True
            ),
            FieldData(
                FieldType.TEXT,
                ("Kvar skjedde det?", "Hvor skjedde det?"),
                (
                    "Til dømes garderoben, uteområdet, klasserommet.",
                    "For eksempel garderoben, uteområdet, klasserommet.",
                ),
            ),
            FieldData(
                FieldType.LONG_TEXT,
                ("Kva såg eller høyrde du?", "Hva så eller hørte du?"),
                (
                    "Berre det som skjedde: kven, kva, korleis. Tolkingar kjem under.",
                    "Bare det som skjedde: hvem, hva, hvordan. Tolkninger kommer under.",
                ),
                required=True,
            ),
            FieldData(
                FieldType.LONG_TEXT,
                ("Kva tenkjer du om det du såg?", "Hva tenker du om det du så?"),
            ),
            FieldData(
                FieldType.CHOICE,
                ("Har du sett dette før?", "Har du sett dette før?"),
                options=("Første gong\nNokre gonger\nOfte", "Første gang\nNoen ganger\nOfte"),
            ),
        ),
    ),
    ToolData(
        TemplateKind.MAPPING,
        ("Kartleggingsskjema", "Kartleggingsskjema"),
        (
            "Eit samla bilete av barnet: det som fungerer godt, og det som er vanskeleg.",
            "Et samlet bilde av barnet: det som fungerer godt, og det som er vanskelig.",
        ),
        (
            FieldData(
                FieldType.LONG_TEXT,
                ("Det som går bra", "Det som går bra"),
                section=("Styrker", "Styrker"),
            ),
            FieldData(
                FieldType.MULTI_CHOICE,
                ("Område det er uro for", "Områder det er uro for"),
                section=("Utfordringar", "Utfordringer"),
                options=(
                    "Språk og kommunikasjon\nVenner og leik\nKjensler og åtferd\nHelse og kropp\nLæring\nHeimen",
                    "Språk og kommunikasjon\nVenner og lek\nFølelser og atferd\nHelse og kropp\nLæring\nHjemmet",
                ),
            ),
            FieldData(FieldType.LONG_TEXT, ("Skildring", "Beskrivelse")),
            FieldData(
                FieldType.SCALE,
                ("Kor stor er uroa no?", "Hvor stor er uroen nå?"),
                ("1 er inga uro, 10 er alvorleg uro.", "1 er ingen uro, 10 er alvorlig uro."),
            ),
        ),
    ),
    ToolData(
        TemplateKind.DISTRESS_SIGNS,
        ("Teikn på mogleg mistrivsel", "Tegn på mulig mistrivsel"),
        (
            "Ei sjekkliste til hjelp når du undrar deg. Eitt teikn åleine seier lite; sjå etter mønster og endringar over tid.",
            "En sjekkliste til hjelp når du undrer deg. Ett tegn alene sier lite; se etter mønster og endringer over tid.",
        ),
        (
            FieldData(
                FieldType.CHECKLIST,
                ("Teikn du har sett", "Tegn du har sett"),
                section=("0–6 år", "0–6 år"),
                options=_signs(
                    [
                        "Søv eller et dårleg over tid",
                        "Gret mykje, er vanskeleg å trøyste",
                        "Held seg for seg sjølv",
                        "Er redd eller vaktsam",
                        "Går tilbake i utviklinga",
                    ],
                    [
                        "Sover eller spiser dårlig over tid",
                        "Gråter mye, er vanskelig å trøste",
                        "Holder seg for seg selv",
                        "Er redd eller på vakt",
                        "Går tilbake i utviklingen",
                    ],
                ),
            ),
            FieldData(
                FieldType.CHECKLIST,
                ("Teikn du har sett", "Tegn du har sett"),
                section=("6–12 år", "6–12 år"),
                options=_signs(
                    [
                        "Trekkjer seg frå vener",
                        "Uro eller sinne som er nytt",
                        "Ofte vondt i magen eller hovudet",
                        "Mykje fråvær",
                        "Fell av fagleg",
                    ],
                    [
                        "Trekker seg fra venner",
                        "Uro eller sinne som er nytt",
                        "Ofte vondt i magen eller hodet",
                        "Mye fravær",
                        "Faller av faglig",
                    ],
                ),
            ),
            FieldData(
                FieldType.CHECKLIST,
                ("Teikn du har sett", "Tegn du har sett"),
                section=("13–18 år", "13–18 år"),
                options=_signs(
                    [
                        "Isolerer seg",
                        "Endra søvn eller matvanar",
                        "Rus",
                        "Sjølvskading eller tankar om det",
                        "Slutar med aktivitetar",
                    ],
                    [
                        "Isolerer seg",
                        "Endret søvn eller matvaner",
                        "Rus",
                        "Selvskading eller tanker om det",
                        "Slutter med aktiviteter",
                    ],
                ),
            ),
        ),
    ),
    ToolData(
        TemplateKind.CONVERSATION,
        ("Den naudsynte samtalen", "Den nødvendige samtalen"),
        (
            "Ein rettleiar for samtalen med føresette (og barnet) når du er uroa: førebu deg, snakk saman, følg opp.",
            "En veileder for samtalen med foresatte (og barnet) når du er bekymret: forbered deg, snakk sammen, følg opp.",
        ),
        (
            FieldData(
                FieldType.CHECKLIST,
                ("Før samtalen", "Før samtalen"),
                section=("Førebuing", "Forberedelse"),
                options=(
                    "Eg veit kva eg vil seie, med konkrete døme\nEg har snakka med leiaren min\nEg har tenkt på kva føresette kan bli redde for\nTid og stad passar for familien",
                    "Jeg vet hva jeg vil si, med konkrete eksempler\nJeg har snakket med lederen min\nJeg har tenkt på hva foresatte kan bli redde for\nTid og sted passer for familien",
                ),
            ),
            FieldData(
                FieldType.LONG_TEXT,
                ("Kva fortalde du, og kva sa føresette?", "Hva fortalte du, og hva sa foresatte?"),
                (
                    "Start med det som er bra. Fortel kva du har sett, og spør kva dei ser heime.",
                    "Start med det som er bra. Fortell hva du har sett, og spør hva de ser hjemme.",
                ),
                section=("Samtalen", "Samtalen"),
            ),
            FieldData(FieldType.LONG_TEXT, ("Kva sa barnet?", "Hva sa barnet?")),
            FieldData(
                FieldType.LONG_TEXT,
                ("Kva vart de samde om?", "Hva ble dere enige om?"),
                section=("Oppfølging", "Oppfølging"),
            ),
            FieldData(FieldType.DATE, ("Neste samtale", "Neste samtale")),
        ),
    ),
    ToolData(
        TemplateKind.MEETING,
        ("Møtemal", "Møtemal"),
        (
            "For samarbeidsmøte: send saklista før møtet og skriv referatet i stafettloggen.",
            "For samarbeidsmøter: send sakslisten før møtet og skriv referatet i stafettloggen.",
        ),
        (
            FieldData(FieldType.LONG_TEXT, ("Saksliste", "Saksliste"), required=True),
            FieldData(FieldType.TEXT, ("Kven var til stades?", "Hvem var til stede?")),
            FieldData(
                FieldType.LONG_TEXT, ("Kva fungerer? (lysglimt)", "Hva fungerer? (lysglimt)")
            ),
            FieldData(
                FieldType.LONG_TEXT,
                ("Avgjerder og kven som gjer kva", "Beslutninger og hvem som gjør hva"),
            ),
            FieldData(FieldType.DATE, ("Neste møte", "Neste møte")),
        ),
    ),
    ToolData(
        TemplateKind.CONSENT,
        ("Samtykketekst", "Samtykketekst"),
        (
            "Teksten føresette (og ungdom frå samtykkealder) les før dei samtykkjer til stafettlogg og samarbeid.",
            "Teksten foresatte (og ungdom fra samtykkealder) leser før de samtykker til stafettlogg og samarbeid.",
        ),
        (
            FieldData(
                FieldType.CHECKLIST,
                ("Eg har fått vite", "Jeg har fått vite"),
                options=(
                    "Kva tenester som skal samarbeide og dele opplysningar\nKor lenge samtykket gjeld\nAt eg kan trekkje samtykket når som helst\nAt eg kan lese alt i loggen og sjå kven som har lese",
                    "Hvilke tjenester som skal samarbeide og dele opplysninger\nHvor lenge samtykket gjelder\nAt jeg kan trekke samtykket når som helst\nAt jeg kan lese alt i loggen og se hvem som har lest",
                ),
                required=True,
            ),
        ),
    ),
)


@dataclass(frozen=True)
class StepData:
    what: Pair
    how: Pair
    who: Pair
    tools: tuple[str, ...] = ()


LEVEL0: dict[str, StepData] = {
    "assess": StepData(
        (
            "Tenk gjennom kva du undrar deg over, og om det er grunn til å gå vidare.",
            "Tenk gjennom hva du undrer deg over, og om det er grunn til å gå videre.",
        ),
        (
            "Bruk skalaen for uro og sjekklista for teikn på mogleg mistrivsel. Vent ikkje for lenge.",
            "Bruk skalaen for uro og sjekklisten for tegn på mulig mistrivsel. Ikke vent for lenge.",
        ),
        ("Den tilsette som er uroa.", "Den ansatte som er bekymret."),
        (TemplateKind.DISTRESS_SIGNS,),
    ),
    "describe": StepData(
        (
            "Skriv ned konkret det du ser og høyrer, over nokre dagar eller veker.",
            "Skriv ned konkret det du ser og hører, over noen dager eller uker.",
        ),
        (
            "Bruk observasjonsskjemaet. Skil mellom det du ser og det du trur.",
            "Bruk observasjonsskjemaet. Skill mellom det du ser og det du tror.",
        ),
        (
            "Den tilsette, gjerne saman med ein kollega.",
            "Den ansatte, gjerne sammen med en kollega.",
        ),
        (TemplateKind.OBSERVATION,),
    ),
    "share": StepData(
        (
            "Del uroa med ein kollega og leiaren din, og snakk så med føresette og barnet.",
            "Del bekymringen med en kollega og lederen din, og snakk så med foresatte og barnet.",
        ),
        (
            "Førebu samtalen med føresette med rettleiaren for den naudsynte samtalen. Ved mistanke om vald eller overgrep: kontakt barnevernet eller politiet direkte, og snakk ikkje med føresette først.",
            "Forbered samtalen med foresatte med veilederen for den nødvendige samtalen. Ved mistanke om vold eller overgrep: kontakt barnevernet eller politiet direkte, og ikke snakk med foresatte først.",
        ),
        ("Den tilsette, med støtte frå leiaren.", "Den ansatte, med støtte fra lederen."),
        (TemplateKind.CONVERSATION,),
    ),
    "decide": StepData(
        (
            "Avgjer vegen vidare: avslutt, observer vidare med ny dato, gå til nivå 1, 2 eller 3, eller meld til barnevernet.",
            "Bestem veien videre: avslutt, observer videre med ny dato, gå til nivå 1, 2 eller 3, eller meld til barnevernet.",
        ),
        (
            "Avgjerda skal takast innan fristen kommunen har sett. Skriv kvifor.",
            "Beslutningen skal tas innen fristen kommunen har satt. Skriv hvorfor.",
        ),
        (
            "Den tilsette og leiaren, saman med føresette.",
            "Den ansatte og lederen, sammen med foresatte.",
        ),
    ),
}

WHO_BY_LEVEL: dict[int, Pair] = {
    1: (
        "Stafetthaldaren i tenesta, saman med føresette og barnet.",
        "Stafettholderen i tjenesten, sammen med foresatte og barnet.",
    ),
    2: (
        "Stafetthaldaren, den andre tenesta, føresette og barnet.",
        "Stafettholderen, den andre tjenesten, foresatte og barnet.",
    ),
    3: (
        "Stafetthaldaren kallar inn alle tenestene som er med, føresette og barnet.",
        "Stafettholderen kaller inn alle tjenestene som er med, foresatte og barnet.",
    ),
}

LOG_STEPS: dict[str, StepData] = {
    "start": StepData(
        (
            "Opprett stafettloggen når samtykket er på plass, og lag ei felles forståing av utfordringa.",
            "Opprett stafettloggen når samtykket er på plass, og lag en felles forståelse av utfordringen.",
        ),
        (
            "Samle det de veit i eit oppstartsmøte. Kva ser de, kva seier barnet, kva seier føresette?",
            "Samle det dere vet i et oppstartsmøte. Hva ser dere, hva sier barnet, hva sier foresatte?",
        ),
        ("", ""),
        (TemplateKind.MAPPING, TemplateKind.CONSENT),
    ),
    "planning": StepData(
        (
            "Set mål og avtal tiltak: kva skal gjerast, kven har ansvaret, når startar det og når skal det evaluerast?",
            "Sett mål og avtal tiltak: hva skal gjøres, hvem har ansvaret, når starter det og når skal det evalueres?",
        ),
        (
            "Få mål som barnet og familien kjenner seg att i. Skriv dei i loggen.",
            "Få mål som barnet og familien kjenner seg igjen i. Skriv dem i loggen.",
        ),
        ("", ""),
        (TemplateKind.MEETING,),
    ),
    "measures": StepData(
        (
            "Gjennomfør tiltaka slik de avtalte, og noter det som skjer undervegs.",
            "Gjennomfør tiltakene slik dere avtalte, og noter det som skjer underveis.",
        ),
        (
            "Skriv lysglimt òg: det som går bra, er like viktig som det som er vanskeleg.",
            "Skriv lysglimt også: det som går bra, er like viktig som det som er vanskelig.",
        ),
        ("", ""),
        (TemplateKind.OBSERVATION,),
    ),
    "evaluation": StepData(
        (
            "Evaluer kvart tiltak: kva skjedde, kva verknad hadde det, og kva no?",
            "Evaluer hvert tiltak: hva skjedde, hvilken effekt hadde det, og hva nå?",
        ),
        (
            "I eit evalueringsmøte. Bruk skalaen for uro igjen, så endringa syner.",
            "I et evalueringsmøte. Bruk skalaen for uro igjen, så endringen vises.",
        ),
        ("", ""),
        (TemplateKind.MEETING,),
    ),
    "decision": StepData(
        (
            "Avgjer vegen vidare: hald fram, endre nivå, eller avslutt loggen når måla er nådde.",
            "Bestem veien videre: fortsett, endre nivå, eller avslutt loggen når målene er nådd.",
        ),
        (
            "Skriv avgjerda i loggen. Ved overgangar (barnehage til skule) blir stafetten gitt vidare, ikkje sleppt.",
            "Skriv beslutningen i loggen. Ved overganger (barnehage til skole) blir stafetten gitt videre, ikke sluppet.",
        ),
        ("", ""),
    ),
}

GUIDES: tuple[tuple[str, Pair, Pair], ...] = (
    (
        ServiceCategory.BASIS,
        ("Handlingsrettleiar for barnehage og skule", "Handlingsveileder for barnehage og skole"),
        (
            "For helsestasjon, barnehage, skule og SFO: dei som møter barna kvar dag.",
            "For helsestasjon, barnehage, skole og SFO: de som møter barna hver dag.",
        ),
    ),
    (
        ServiceCategory.HELP,
        ("Handlingsrettleiar for hjelpetenestene", "Handlingsveileder for hjelpetjenestene"),
        (
            "For skulehelsetenesta, PPT, barnevernet og psykisk helse: når basistenestene treng hjelp.",
            "For skolehelsetjenesten, PPT, barnevernet og psykisk helse: når basistjenestene trenger hjelp.",
        ),
    ),
    (
        ServiceCategory.ADULT,
        ("Handlingsrettleiar for vaksentenestene", "Handlingsveileder for voksentjenestene"),
        (
            "For NAV, psykisk helse og rus for vaksne: når foreldra treng hjelp, treng ofte barna det òg.",
            "For NAV, psykisk helse og rus for voksne: når foreldrene trenger hjelp, trenger ofte barna det også.",
        ),
    ),
)


def _texts(municipality: Municipality, pair: Pair, key: str) -> dict[str, dict[str, str]]:
    """Both languages, keyed by field name."""
    return {"nn": {key: pair[0]}, "nb": {key: pair[1]}}


def _merge(*parts: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {"nn": {}, "nb": {}}
    for part in parts:
        for language, values in part.items():
            merged[language].update(values)
    return merged


def _load_tools(actor: Actor, municipality: Municipality) -> dict[str, FormTemplate]:
    tools: dict[str, FormTemplate] = {}
    for data in TOOLS:
        template = services.create_form_template(
            actor=actor,
            municipality=municipality,
            kind=data.kind,
            titles={"nn": data.title[0], "nb": data.title[1]},
        )
        services.update_form_texts(
            actor=actor,
            template=template,
            texts=_merge(
                _texts(municipality, data.title, "title"),
                _texts(municipality, data.introduction, "introduction"),
            ),
        )
        for f in data.fields:
            services.add_field(
                actor=actor,
                template=template,
                field_type=f.field_type,
                required=f.required,
                texts=_merge(
                    _texts(municipality, f.label, "label"),
                    _texts(municipality, f.help_text, "help_text"),
                    _texts(municipality, f.section, "section"),
                    _texts(municipality, f.options, "options"),
                ),
            )
        services.publish_form_template(actor=actor, template=template)
        tools[data.kind] = template
    return tools


def _load_guide(
    actor: Actor,
    municipality: Municipality,
    tools: dict[str, FormTemplate],
    category: str,
    title: Pair,
    introduction: Pair,
) -> Guide:
    guide = services.create_guide(
        actor=actor,
        municipality=municipality,
        category=category,
        titles={"nn": title[0], "nb": title[1]},
    )
    services.update_guide_texts(
        actor=actor,
        guide=guide,
        texts=_merge(
            _texts(municipality, title, "title"),
            _texts(municipality, introduction, "introduction"),
        ),
    )
    for level in (0, 1, 2, 3):
        for step in steps_for_level(level):
            data = LEVEL0[step] if level == 0 else LOG_STEPS[step]
            who = data.who if level == 0 else WHO_BY_LEVEL[level]
            services.update_guide_step(
                actor=actor,
                guide=guide,
                level=level,
                step=step,
                texts=_merge(
                    _texts(municipality, data.what, "what"),
                    _texts(municipality, data.how, "how"),
                    _texts(municipality, who, "who"),
                ),
                tools=[tools[kind] for kind in data.tools],
            )
    services.publish_guide(actor=actor, guide=guide)
    return guide


def load_demo_guides(*, municipalities: dict[str, Municipality], users: dict[str, User]) -> None:
    """Tools and three published guides for each demo municipality that has none yet."""
    for username, user in users.items():
        if not user.is_municipal_admin or user.municipality_id is None:
            continue
        municipality = next(
            (m for m in municipalities.values() if m.id == user.municipality_id), None
        )
        if municipality is None:
            continue
        if (
            Guide.objects.filter(municipality=municipality).exists()
            or FormTemplate.objects.filter(municipality=municipality).exists()
        ):
            continue
        user.is_verified = lambda: True  # type: ignore[attr-defined]
        actor = build_actor(user)
        assert actor.is_admin, username
        tools = _load_tools(actor, municipality)
        for category, title, introduction in GUIDES:
            _load_guide(actor, municipality, tools, category, title, introduction)
