"""The demo content of Fjordvik kommune and Nabovik kommune (all invented).

Plain data: the loader in `services.py` turns it into rows. Names and texts are in
nynorsk for Fjordvik (a nynorsk municipality) and in bokmål for Nabovik. Ages are
given in years and turned into birth dates relative to the day the demo is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from stafett.organisation.models import Membership, Municipality, ServiceCategory
from stafett.people.models import Guardianship

FJORDVIK = "Fjordvik kommune"
NABOVIK = "Nabovik kommune"
EMAIL_DOMAIN = "demo.stafett.example"


@dataclass(frozen=True)
class MunicipalityData:
    name: str
    language: str
    consent_age: int = 15
    consent_validity_months: int = 12
    retention_years: int = 10


@dataclass(frozen=True)
class EmergencyContactData:
    name: str
    phone: str
    descriptions: dict[str, str]  # when to call, by language code


@dataclass(frozen=True)
class UnitData:
    name: str
    service_kind: str
    email: str = ""


@dataclass(frozen=True)
class MembershipData:
    username: str
    unit: str
    role: str
    title: str


@dataclass(frozen=True)
class GuardianData:
    """A guardian's own account. `persona` guardians are listed in PERSONAS already."""

    username: str
    first_name: str
    last_name: str
    relation: str
    parental_responsibility: bool = True
    persona: bool = False


@dataclass(frozen=True)
class SubjectData:
    """A child, or a pregnant woman (kind "pregnant" with `due_in_days`)."""

    key: str
    first_name: str
    last_name: str
    age: int
    # Days since the last birthday, so that nobody has a birthday on the day the demo loads.
    days_since_birthday: int
    # Where the child goes day to day (descriptive; kept for the relay-log demo to come).
    unit: str = ""
    username: str = ""  # the youth's or pregnant woman's own log-in (a persona)
    kind: str = "child"
    due_in_days: int | None = None


@dataclass(frozen=True)
class FamilyData:
    name: str
    subjects: tuple[SubjectData, ...]
    guardians: tuple[GuardianData, ...] = field(default_factory=tuple)


MUNICIPALITIES: tuple[MunicipalityData, ...] = (
    MunicipalityData(FJORDVIK, Municipality.Language.NYNORSK),
    MunicipalityData(NABOVIK, Municipality.Language.BOKMAL),
)

EMERGENCY_CONTACTS: dict[str, tuple[EmergencyContactData, ...]] = {
    FJORDVIK: (
        EmergencyContactData(
            "Barnevernvakta",
            "12 34 56 78",
            {
                "nn": "Når du er redd for at eit barn blir utsett for vald, overgrep eller "
                "alvorleg omsorgssvikt, og barnevernstenesta har stengt (kveld, natt og helg).",
                "nb": "Når du er redd for at et barn blir utsatt for vold, overgrep eller "
                "alvorlig omsorgssvikt, og barneverntjenesten har stengt (kveld, natt og helg).",
                "en": "When you fear a child is exposed to violence, abuse or serious neglect "
                "and the child welfare service is closed (evenings, nights and weekends).",
            },
        ),
        EmergencyContactData(
            "Politiet",
            "02800",
            {
                "nn": "Når du vil melde frå om vald eller overgrep som ikkje hastar, eller "
                "treng råd frå politiet om korleis du skal gå fram.",
                "nb": "Når du vil melde fra om vold eller overgrep som ikke haster, eller "
                "trenger råd fra politiet om hvordan du skal gå fram.",
                "en": "When you want to report violence or abuse that is not urgent, or need "
                "the police's advice on what to do.",
            },
        ),
        EmergencyContactData(
            "Naudnummer politi",
            "112",
            {
                "nn": "Når nokon er i fare no, eller når vald eller overgrep skjer akkurat no.",
                "nb": "Når noen er i fare nå, eller når vold eller overgrep skjer akkurat nå.",
                "en": "When someone is in danger now, or violence or abuse is happening now.",
            },
        ),
        EmergencyContactData(
            "Alarmtelefonen for barn og unge",
            "116 111",
            {
                "nn": "Gratis og ope heile døgnet, for barn og unge som treng hjelp og for "
                "vaksne som er uroa for eit barn.",
                "nb": "Gratis og åpen hele døgnet, for barn og unge som trenger hjelp og for "
                "voksne som er bekymret for et barn.",
                "en": "Free and open day and night, for children and young people who need "
                "help and for adults who are worried about a child.",
            },
        ),
        EmergencyContactData(
            "Legevakt",
            "116 117",
            {
                "nn": "Når eit barn treng lege snart, til dømes etter skade eller mogleg "
                "overgrep, og fastlegen har stengt.",
                "nb": "Når et barn trenger lege snart, for eksempel etter skade eller mulig "
                "overgrep, og fastlegen har stengt.",
                "en": "When a child needs a doctor soon, for example after an injury or "
                "possible abuse, and the regular doctor is closed.",
            },
        ),
    ),
    NABOVIK: (),
}

SERVICE_KINDS: dict[str, tuple[tuple[str, str], ...]] = {
    FJORDVIK: (
        ("Helsestasjon", ServiceCategory.BASIS),
        ("Barnehage", ServiceCategory.BASIS),
        ("Skule", ServiceCategory.BASIS),
        ("SFO", ServiceCategory.BASIS),
        ("Skulehelseteneste", ServiceCategory.HELP),
        ("PPT", ServiceCategory.HELP),
        ("Barnevern", ServiceCategory.HELP),
        ("Psykisk helse barn og unge", ServiceCategory.HELP),
        ("BUP", ServiceCategory.HELP),
        ("NAV", ServiceCategory.ADULT),
        ("Psykisk helse og rus", ServiceCategory.ADULT),
    ),
    NABOVIK: (
        ("Helsestasjon", ServiceCategory.BASIS),
        ("Barnehage", ServiceCategory.BASIS),
        ("Skole", ServiceCategory.BASIS),
        ("SFO", ServiceCategory.BASIS),
    ),
}

UNITS: dict[str, tuple[UnitData, ...]] = {
    FJORDVIK: (
        UnitData("Fjordvik barnehage", "Barnehage", f"barnehage@fjordvik.{EMAIL_DOMAIN}"),
        UnitData("Fjordvik skule", "Skule", f"skule@fjordvik.{EMAIL_DOMAIN}"),
        UnitData("Fjordvik ungdomsskule", "Skule", f"ungdomsskule@fjordvik.{EMAIL_DOMAIN}"),
        UnitData("Fjordvik helsestasjon", "Helsestasjon", f"helsestasjon@fjordvik.{EMAIL_DOMAIN}"),
        UnitData("PPT Fjordvik", "PPT", f"ppt@fjordvik.{EMAIL_DOMAIN}"),
        UnitData("Fjordvik barnevernteneste", "Barnevern", f"barnevern@fjordvik.{EMAIL_DOMAIN}"),
    ),
    NABOVIK: (UnitData("Nabovik barnehage", "Barnehage", f"barnehage@nabovik.{EMAIL_DOMAIN}"),),
}

# Municipal administrators (staff personas with is_municipal_admin and no unit).
ADMINS: frozenset[str] = frozenset({"admin.fjordvik", "admin.nabovik"})

_L = Membership.Role.LEADER
_E = Membership.Role.EMPLOYEE

MEMBERSHIPS: tuple[MembershipData, ...] = (
    MembershipData("leiar.barnehage", "Fjordvik barnehage", _L, "Styrar"),
    MembershipData("pedagog.barnehage", "Fjordvik barnehage", _E, "Pedagogisk leiar"),
    MembershipData("leiar.skule", "Fjordvik skule", _L, "Rektor"),
    MembershipData("larar.skule", "Fjordvik skule", _E, "Kontaktlærar 4. trinn"),
    MembershipData("leiar.ungdomsskule", "Fjordvik ungdomsskule", _L, "Rektor"),
    MembershipData("kontakt.ungdomsskule", "Fjordvik ungdomsskule", _E, "Kontaktlærar 8. trinn"),
    MembershipData("leiar.helsestasjon", "Fjordvik helsestasjon", _L, "Einingsleiar"),
    MembershipData("helsesjukepleiar", "Fjordvik helsestasjon", _E, "Helsesjukepleiar"),
    # The same nurse also works at the school, in the school health service.
    MembershipData("helsesjukepleiar", "Fjordvik skule", _E, "Helsesjukepleiar, skulehelsetenesta"),
    MembershipData("leiar.ppt", "PPT Fjordvik", _L, "Leiar PPT"),
    MembershipData("ppt.radgjevar", "PPT Fjordvik", _E, "PP-rådgjevar"),
    MembershipData("leiar.barnevern", "Fjordvik barnevernteneste", _L, "Barnevernsleiar"),
    MembershipData("barnevern.sakshandsamar", "Fjordvik barnevernteneste", _E, "Sakshandsamar"),
)

_MOTHER = Guardianship.Relation.MOTHER
_FATHER = Guardianship.Relation.FATHER

FAMILIES: tuple[FamilyData, ...] = (
    FamilyData(
        "Hansen",
        subjects=(
            SubjectData("hansen.emma", "Emma", "Hansen", 5, 120, unit="Fjordvik barnehage"),
            SubjectData("hansen.noah", "Noah", "Hansen", 9, 200, unit="Fjordvik skule"),
        ),
        guardians=(
            GuardianData("foresatt.hansen", "Camilla", "Hansen", _MOTHER, persona=True),
            GuardianData("thomas.hansen", "Thomas", "Hansen", _FATHER),
        ),
    ),
    FamilyData(
        "Berg",
        subjects=(SubjectData("berg.sara", "Sara", "Berg", 7, 60, unit="Fjordvik skule"),),
        guardians=(
            GuardianData("foresatt.berg", "Ahmed", "Berg", _FATHER, persona=True),
            # The mother lives elsewhere and has no parental responsibility: she sees nothing.
            GuardianData("leila.berg", "Leila", "Berg", _MOTHER, parental_responsibility=False),
        ),
    ),
    FamilyData(
        "Lie",
        subjects=(
            # Over the consent age (15): Jonas consents himself and has his own log-in.
            SubjectData("lie.jonas", "Jonas", "Lie", 16, 90, username="ungdom.lie"),
        ),
        guardians=(
            # A persona: the guardian of a youth who consents alone. Jonas has not shared
            # his log with his parents, so she sees only that he decides (issue 10).
            GuardianData("kjersti.lie", "Kjersti", "Lie", _MOTHER, persona=True),
            GuardianData("bjorn.lie", "Bjørn", "Lie", _FATHER),
        ),
    ),
    FamilyData(
        "Dahl",
        subjects=(
            SubjectData(
                "dahl.ida",
                "Ida",
                "Dahl",
                29,
                150,
                unit="Fjordvik helsestasjon",
                username="gravid.dahl",
                kind="pregnant",
                due_in_days=110,
            ),
        ),
    ),
    FamilyData(
        "Tveit",
        subjects=(
            SubjectData("tveit.lukas", "Lukas", "Tveit", 13, 240, unit="Fjordvik ungdomsskule"),
        ),
        guardians=(
            GuardianData("hilde.tveit", "Hilde", "Tveit", _MOTHER),
            GuardianData("rune.tveit", "Rune", "Tveit", _FATHER),
        ),
    ),
    FamilyData(
        "Haugen",
        subjects=(SubjectData("haugen.maja", "Maja", "Haugen", 2, 45, unit="Fjordvik barnehage"),),
        guardians=(GuardianData("nora.haugen", "Nora", "Haugen", _MOTHER),),
    ),
)
