"""Demo relay logs for Fjordvik: the whole BTI model in seven families' stories.

Every log is built through the real services (start_log, request_consent,
give_consent, add_participant, add_entry, move, propose_handover, withdraw_consent,
close_log), so that the demo shows exactly what the application would have written.
Afterwards the timestamps are moved back in time with `queryset.update()` so that the
history reads like months of work (demo code only).

| child            | what it shows                                                  |
|------------------|----------------------------------------------------------------|
| Noah Hansen (9)  | level 1, school, measures running, one evaluated               |
| Sara Berg (7)    | level 2, school + PPT, consent expiring in two weeks           |
| Emma Hansen (5)  | level 2, handover pending: kindergarten → Fjordvik skule       |
| Lukas Tveit (13) | level 3 (moved up from 2), one evaluation overdue              |
| Jonas Lie (16)   | level 2, the youth consents himself and writes his own voice  |
| Ida Dahl         | pregnant woman, consent withdrawn: the services' access ended  |
| Maja Haugen (2)  | level 1, closed with the goals met                             |

Idempotent: each log has a stable UUID (`demo_uuid("log", key)`); a log that exists
already is left as it is, so loading twice gives the same rows.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.utils import timezone

from stafett.accounts.models import User
from stafett.consent.models import Consent, ConsentGiver, ConsentUnit
from stafett.consent.services import give_consent, request_consent, withdraw_consent
from stafett.core.errors import ServiceError
from stafett.logs.models import (
    CloseReason,
    Effect,
    Entry,
    EntryKind,
    EntryVersion,
    Handover,
    Level,
    MeasureStatus,
    MeetingKind,
    Participant,
    RelayLog,
    Step,
)
from stafett.logs.services import (
    add_entry,
    add_participant,
    close_log,
    move,
    propose_handover,
    start_log,
)
from stafett.organisation.models import Unit
from stafett.people.models import Subject
from stafett.policy import Actor, build_actor

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Keys of the demo logs, by the subject's demo key.
DEMO_LOG_KEYS = (
    "hansen.noah",
    "berg.sara",
    "hansen.emma",
    "tveit.lukas",
    "lie.jonas",
    "dahl.ida",
    "haugen.maja",
)


def demo_actor(user: User) -> Actor:
    """The actor as after log-in (demo staff count as having passed the one-time code)."""
    user.is_verified = lambda: True  # type: ignore[attr-defined]
    return build_actor(user)


class Story:
    """Builds one log through the services, stamping each step at a past time."""

    def __init__(
        self,
        *,
        key: str,
        subject: Subject,
        coordinator: User,
        unit: Unit,
        level: int,
        started_days_ago: int,
        today: datetime.date,
    ) -> None:
        from stafett.demo.services import demo_uuid

        self.today = today
        self.coordinator = demo_actor(coordinator)
        self.actors: dict[int, Actor] = {coordinator.id: self.coordinator}
        self.marks: dict[type[Any], int] = {}
        self._set_marks()
        started = self.at(started_days_ago, 9)
        self.log = start_log(actor=self.coordinator, subject=subject, unit=unit, level=level)
        RelayLog.objects.filter(pk=self.log.pk).update(uuid=demo_uuid("log", key))
        self.log.uuid = demo_uuid("log", key)
        self.started = started
        self.last = started
        self._stamp(started)

    # --- time ---------------------------------------------------------------------

    def at(self, days_ago: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
        day = self.today - datetime.timedelta(days=days_ago)
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))

    def workday(self, days_ago: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
        """Like `at`, but a Saturday moves to the Friday before and a Sunday to the Monday
        after: meetings are held on workdays."""
        day = self.today - datetime.timedelta(days=days_ago)
        shift = {5: -1, 6: 1}.get(day.weekday(), 0)
        return self.at(days_ago - shift, hour, minute)

    def date(self, days_ago: int) -> datetime.date:
        return self.today - datetime.timedelta(days=days_ago)

    def _set_marks(self) -> None:
        for model in (Entry, EntryVersion, Consent, ConsentGiver, ConsentUnit, Participant):
            self.marks[model] = (
                model.objects.order_by("-id").values_list("id", flat=True).first() or 0
            )
        self.marks[Handover] = (
            Handover.objects.order_by("-id").values_list("id", flat=True).first() or 0
        )

    def _stamp(self, when: datetime.datetime) -> None:
        """Move every row written since the last step to `when`."""
        stamps: dict[type[Any], tuple[str, ...]] = {
            Entry: ("created_at",),
            EntryVersion: ("created_at",),
            Consent: ("created_at", "completed_at"),
            ConsentGiver: ("given_at",),
            ConsentUnit: ("added_at", "confirmed_at"),
            Participant: ("added_at",),
            Handover: ("proposed_at",),
        }
        for model, fields in stamps.items():
            new = model.objects.filter(id__gt=self.marks[model])
            for name in fields:
                new.filter(**{f"{name}__isnull": False}).update(**{name: when})
            if model is Handover:
                new.update(expires_at=when + datetime.timedelta(days=14))
        self._set_marks()
        self.last = max(self.last, when)

    def do(self, when: datetime.datetime, action: Callable[..., T], **kwargs: Any) -> T:
        result = action(**kwargs)
        self._stamp(when)
        return result

    def actor(self, user: User) -> Actor:
        if user.id not in self.actors:
            self.actors[user.id] = demo_actor(user)
        return self.actors[user.id]

    # --- steps --------------------------------------------------------------------

    def consent(
        self,
        *,
        days_ago: int,
        units: list[Unit],
        givers: list[User],
        valid_from_days_ago: int | None = None,
        valid_days: int | None = None,
        purpose: str,
    ) -> Consent:
        valid_from = self.date(valid_from_days_ago if valid_from_days_ago is not None else days_ago)
        valid_to = valid_from + datetime.timedelta(days=valid_days) if valid_days else None
        consent = self.do(
            self.at(days_ago, 9),
            request_consent,
            actor=self.coordinator,
            log=self.log,
            purpose=purpose,
            valid_from=valid_from,
            valid_to=valid_to,
            units=units,
            method=Consent.Method.DIGITAL,
        )
        answered = None
        for offset, giver in enumerate(givers):
            answered = min(self.at(max(days_ago - 1 - offset, 0), 20), timezone.now())
            self.do(answered, give_consent, actor=self.actor(giver), consent=consent)
            # The giver's row and the consent were written when it was asked for, so the
            # step's stamp does not reach them: each answer is dated when it was given.
            ConsentGiver.objects.filter(consent=consent, person=giver).update(given_at=answered)
        if answered is not None:
            Consent.objects.filter(pk=consent.pk, completed_at__isnull=False).update(
                completed_at=answered
            )
            ConsentUnit.objects.filter(consent=consent, confirmed_at__isnull=False).update(
                confirmed_at=answered
            )
        self.log.refresh_from_db()
        return consent

    def participant(
        self, days_ago: int, user: User, unit: Unit, task: str, can_write: bool = True
    ) -> Participant:
        return self.do(
            self.at(days_ago, 11),
            add_participant,
            actor=self.coordinator,
            log=self.log,
            user=user,
            unit=unit,
            task=task,
            can_write=can_write,
        )

    def entry(
        self, days_ago: int, kind: str, *, by: User | None = None, hour: int = 14, **fields: Any
    ) -> Entry:
        actor = self.actor(by) if by is not None else self.coordinator
        return self.do(
            self.at(days_ago, hour), add_entry, actor=actor, log=self.log, kind=kind, **fields
        )

    def meeting(
        self,
        days_ago: int,
        *,
        kind: str,
        starts_at: datetime.datetime,
        place: str,
        agenda: str,
        invited: list[User],
        minutes: str = "",
        decisions: str = "",
        attended: list[User] | None = None,
    ) -> Entry:
        return self.entry(
            days_ago,
            EntryKind.MEETING,
            meeting_kind=kind,
            starts_at=starts_at,
            place=place,
            agenda=agenda,
            minutes=minutes,
            decisions=decisions,
            invited=invited,
            attended=attended or [],
        )

    def measure(
        self,
        days_ago: int,
        *,
        title: str,
        body: str,
        responsible: Participant,
        start_days_ago: int,
        evaluation_in_days: int,
        status: str = MeasureStatus.RUNNING,
    ) -> Entry:
        return self.entry(
            days_ago,
            EntryKind.MEASURE,
            title=title,
            body=body,
            responsible=responsible.user,
            start_date=self.date(start_days_ago),
            evaluation_date=self.today + datetime.timedelta(days=evaluation_in_days),
            measure_status=status,
        )

    def evaluate(
        self, days_ago: int, measure: Entry, *, by: User, body: str, effect: str, next_steps: str
    ) -> Entry:
        return self.entry(
            days_ago,
            EntryKind.EVALUATION,
            by=by,
            measure=measure,
            body=body,
            effect=effect,
            next_steps=next_steps,
        )

    def move(
        self, days_ago: int, reason: str, *, step: str | None = None, level: int | None = None
    ) -> None:
        self.do(
            self.at(days_ago, 15),
            move,
            actor=self.coordinator,
            log=self.log,
            reason=reason,
            to_step=step,
            to_level=level,
        )

    def finish(self) -> RelayLog:
        """The log's own dates follow its history."""
        activated = (
            Consent.objects.filter(log=self.log, completed_at__isnull=False)
            .order_by("completed_at")
            .values_list("completed_at", flat=True)
            .first()
        )
        fields: dict[str, Any] = {"created_at": self.started, "updated_at": self.last}
        if activated is not None:
            fields["activated_at"] = activated
        if RelayLog.objects.filter(pk=self.log.pk, status=RelayLog.Status.CLOSED).exists():
            fields["closed_at"] = self.last
        RelayLog.objects.filter(pk=self.log.pk).update(**fields)
        self.log.refresh_from_db()
        return self.log


def load_demo_logs(
    *,
    subjects: dict[str, Subject],
    users: dict[str, User],
    units: dict[str, Unit],
    today: datetime.date,
) -> None:
    """Build each demo log that does not exist yet (by its stable UUID)."""
    from stafett.demo.services import demo_uuid

    builders: dict[str, Callable[[Subject, dict[str, User], dict[str, Unit], datetime.date], Any]]
    builders = {
        "hansen.noah": _noah,
        "berg.sara": _sara,
        "hansen.emma": _emma,
        "tveit.lukas": _lukas,
        "lie.jonas": _jonas,
        "dahl.ida": _ida,
        "haugen.maja": _maja,
    }
    for key in DEMO_LOG_KEYS:
        if RelayLog.objects.filter(uuid=demo_uuid("log", key)).exists():
            continue
        subject = subjects[key]
        try:
            builders[key](subject, users, units, today)
        except ServiceError as error:  # e.g. someone started a log for the child by hand
            logger.warning("Demo log for %s skipped: %s", key, error)


# ---------------------------------------------------------------------------
# The stories (nynorsk, all invented)
# ---------------------------------------------------------------------------


def _start(
    key: str,
    subject: Subject,
    coordinator: User,
    unit: Unit,
    level: int,
    started_days_ago: int,
    today: datetime.date,
) -> Story:
    return Story(
        key=key,
        subject=subject,
        coordinator=coordinator,
        unit=unit,
        level=level,
        started_days_ago=started_days_ago,
        today=today,
    )


def _noah(
    subject: Subject, u: dict[str, User], units: dict[str, Unit], today: datetime.date
) -> None:
    """Level 1 in school: Noah is alone in the breaks."""
    school = units["Fjordvik skule"]
    teacher, head = u["larar.skule"], u["leiar.skule"]
    mother, father = u["foresatt.hansen"], u["thomas.hansen"]
    s = _start("hansen.noah", subject, teacher, school, Level.ONE, 75, today)
    s.consent(
        days_ago=74,
        units=[school],
        givers=[mother, father],
        purpose="Samarbeid mellom heimen og Fjordvik skule om trivselen til Noah i friminutta.",
    )
    rektor = s.participant(72, head, school, "Rektor – set av vaksne og organiserer friminutta")
    s.entry(
        70,
        EntryKind.UNDERSTANDING,
        body=(
            "Sidan haustferien har Noah vore mykje åleine i friminutta. Han står ofte ved "
            "veggen og ser på at dei andre spelar fotball. Heime seier han at ingen vil vere "
            "med han, og han har hatt vondt i magen nokre morgonar. Lærar og foreldre ser det "
            "same: Noah vil gjerne vere med, men veit ikkje korleis han skal kome inn i leiken."
        ),
    )
    s.meeting(
        71,
        kind=MeetingKind.START_UP,
        starts_at=s.workday(68, 14),
        place="Møterommet på Fjordvik skule",
        agenda="1. Kva ser vi?\n2. Kva seier Noah?\n3. Mål og tiltak\n4. Neste møte",
        minutes=(
            "Sigrid fortalde om det ho ser i friminutta. Camilla og Thomas fortalde at Noah "
            "gruar seg til skulen på måndagar. Noah hadde sagt til Camilla at han vil spele "
            "fotball, men at dei andre seier laget er fullt."
        ),
        decisions=(
            "Vi startar med faste vaksne i friminutta og ei venegruppe. Sigrid er stafetthaldar."
        ),
        invited=[head, mother, father],
        attended=[teacher, head, mother, father],
    )
    s.entry(
        67,
        EntryKind.CHILD_VOICE,
        body="«Eg likar best å spele fotball. Men dei seier alltid at laget er fullt.»",
    )
    s.entry(66, EntryKind.GOAL, title="Noah har minst ein fast venn å vere med i friminutta")
    s.move(66, "Vi har ei felles forståing og går vidare til planlegging.", step=Step.PLANNING)
    breaks = s.measure(
        65,
        title="Vaksne som organiserer leik i storefri",
        body="Ein vaksen set i gang fotball og ballspel på tvers av klassane kvar dag.",
        responsible=rektor,
        start_days_ago=63,
        evaluation_in_days=-21,
    )
    s.measure(
        65,
        title="Venegruppe med tre elevar ein gong i veka",
        body="Noah og to klassekameratar et lunsj og speler brettspel saman med Sigrid.",
        responsible=rektor,
        start_days_ago=60,
        evaluation_in_days=9,
    )
    s.move(64, "Tiltaka er sette i gang.", step=Step.MEASURES)
    s.entry(
        30,
        EntryKind.BRIGHT_SPOT,
        by=mother,
        body=(
            "Noah kom heim og fortalde at han hadde spelt fotball med Elias og Jakob "
            "heile storefri!"
        ),
    )
    s.evaluate(
        21,
        breaks,
        by=head,
        body="Noah er med i ballspelet dei fleste dagane. Han tek sjølv kontakt med Elias.",
        effect=Effect.SOMEWHAT,
        next_steps=(
            "Vi held fram to månader til, og ser om det held seg når dei vaksne "
            "trekkjer seg litt unna."
        ),
    )
    s.meeting(
        10,
        kind=MeetingKind.EVALUATION,
        starts_at=s.workday(-9, 14),
        place="Møterommet på Fjordvik skule",
        agenda="1. Korleis går det i friminutta?\n2. Evaluering av venegruppa\n3. Vegen vidare",
        invited=[head, mother, father],
    )
    s.finish()


def _sara(
    subject: Subject, u: dict[str, User], units: dict[str, Unit], today: datetime.date
) -> None:
    """Level 2, school and PPT; the consent runs out in two weeks."""
    school, ppt = units["Fjordvik skule"], units["PPT Fjordvik"]
    teacher, psych, nurse = u["larar.skule"], u["ppt.radgjevar"], u["helsesjukepleiar"]
    father = u["foresatt.berg"]
    s = _start("berg.sara", subject, teacher, school, Level.TWO, 358, today)
    s.consent(
        days_ago=352,
        valid_from_days_ago=351,
        valid_days=365,
        units=[school, ppt],
        givers=[father],
        purpose=(
            "Samarbeid mellom Fjordvik skule, skulehelsetenesta og PPT om lesing, "
            "trivsel og magesmerter hjå Sara."
        ),
    )
    pp = s.participant(349, psych, ppt, "PP-rådgjevar – kartlegg lesing og rettleier læraren")
    hs = s.participant(349, nurse, school, "Helsesjukepleiar – samtalar om magesmerter og søvn")
    s.entry(
        347,
        EntryKind.UNDERSTANDING,
        body=(
            "Sara strevar med å knekke lesekoden og blir lei seg når klassen les høgt. Ho har "
            "ofte vondt i magen om morgonen og har hatt ti fråværsdagar dette halvåret. Far "
            "fortel at ho søv dårleg søndagskveldar."
        ),
    )
    s.meeting(
        348,
        kind=MeetingKind.START_UP,
        starts_at=s.workday(345, 13),
        place="Fjordvik skule, grupperom 2",
        agenda="1. Felles forståing\n2. Kva seier Sara?\n3. Kartlegging\n4. Ansvar",
        minutes="Ahmed, Sigrid, Liv og Astrid møttest. Alle ser at Sara gruar seg til lesing.",
        decisions="PPT kartlegg lesing. Astrid har samtalar med Sara annakvar veke.",
        invited=[psych, nurse, father],
        attended=[teacher, psych, nurse, father],
    )
    s.entry(
        344,
        EntryKind.CHILD_VOICE,
        body="«Bokstavane hoppar. Eg vil lese sjølv, men ikkje når alle høyrer på.»",
    )
    s.entry(343, EntryKind.GOAL, title="Sara les korte tekstar sjølv og gruar seg ikkje til skulen")
    mapping = s.measure(
        342,
        title="Kartlegging av lesing og språk",
        body="PPT kartlegg avkoding, ordforråd og leseforståing.",
        responsible=pp,
        start_days_ago=340,
        evaluation_in_days=-300,
    )
    talks = s.measure(
        342,
        title="Samtalar med helsesjukepleiar annakvar veke",
        body="Astrid snakkar med Sara om kvardagen, søvn og magesmerter.",
        responsible=hs,
        start_days_ago=338,
        evaluation_in_days=-200,
    )
    s.move(340, "Kartlegging og samtalar er sette i gang.", step=Step.MEASURES)
    s.evaluate(
        298,
        mapping,
        by=psych,
        body=(
            "Kartlegginga viser at Sara har vanskar med avkoding, men god forståing når ho høyrer."
        ),
        effect=Effect.BETTER,
        next_steps="Tilpassa leseopplegg 20 minutt kvar dag; lydbøker i norsk og naturfag.",
    )
    s.measure(
        296,
        title="Tilpassa leseopplegg 20 minutt kvar dag",
        body="Sara les med lærar i liten gruppe; PPT rettleier læraren kvar fjerde veke.",
        responsible=pp,
        start_days_ago=290,
        evaluation_in_days=5,
    )
    s.evaluate(
        198,
        talks,
        by=nurse,
        body="Sara har ikkje hatt vondt i magen sidan jul. Fråværet er nesten borte.",
        effect=Effect.BETTER,
        next_steps="Samtalane blir kvar månad og sluttar til sommaren om det held seg.",
    )
    s.entry(
        120,
        EntryKind.BRIGHT_SPOT,
        by=father,
        body="Sara las ei heil bok om hestar for veslebroren sin i helga. Ho var så stolt!",
    )
    s.move(20, "Tiltaka skal evaluerast før samtykket går ut.", step=Step.EVALUATION)
    days_left_in_week = 6 - today.weekday()
    s.meeting(
        14,
        kind=MeetingKind.EVALUATION,
        starts_at=s.workday(-min(2, days_left_in_week), 13),
        place="Fjordvik skule, grupperom 2",
        agenda="1. Evaluering av leseopplegget\n2. Fornying av samtykket\n3. Vegen vidare",
        invited=[psych, nurse, father],
    )
    s.finish()


def _emma(
    subject: Subject, u: dict[str, User], units: dict[str, Unit], today: datetime.date
) -> None:
    """Level 2 in kindergarten, baton on its way to the teacher at Fjordvik skule."""
    kg, health, ppt = (
        units["Fjordvik barnehage"],
        units["Fjordvik helsestasjon"],
        units["PPT Fjordvik"],
    )
    teacher_kg, nurse, psych = u["pedagog.barnehage"], u["helsesjukepleiar"], u["ppt.radgjevar"]
    mother, father, school_teacher = u["foresatt.hansen"], u["thomas.hansen"], u["larar.skule"]
    s = _start("hansen.emma", subject, teacher_kg, kg, Level.TWO, 230, today)
    s.consent(
        days_ago=228,
        units=[kg, health, ppt],
        givers=[mother, father],
        purpose=(
            "Samarbeid mellom Fjordvik barnehage, helsestasjonen og PPT om språket til Emma "
            "og overgangen til skulen."
        ),
    )
    hs = s.participant(226, nurse, health, "Helsesjukepleiar – høyrsel og språk på 4-årskontrollen")
    pp = s.participant(226, psych, ppt, "PP-rådgjevar – sakkunnig vurdering før skulestart")
    s.entry(
        224,
        EntryKind.UNDERSTANDING,
        body=(
            "Emma brukar få ord og blir frustrert når dei vaksne ikkje forstår henne. Ho leikar "
            "helst åleine. På 4-årskontrollen var det usikkert om ho høyrer godt nok."
        ),
    )
    s.meeting(
        225,
        kind=MeetingKind.START_UP,
        starts_at=s.workday(222, 9),
        place="Fjordvik barnehage, personalrommet",
        agenda="1. Kva ser barnehagen og heimen?\n2. Høyrsel\n3. Tiltak",
        minutes="Camilla og Thomas kjenner seg att. Emma snakkar meir heime enn i barnehagen.",
        decisions="Helsestasjonen tilviser til høyrselstest. PPT observerer i barnehagen.",
        invited=[nurse, psych, mother, father],
        attended=[teacher_kg, nurse, psych, mother],
    )
    s.entry(221, EntryKind.GOAL, title="Emma gjer seg forstått med ord i leiken med andre barn")
    hearing = s.measure(
        220,
        title="Høyrselstest og oppfølging",
        body="Tilvising til høyrselstest; helsesjukepleiar følgjer opp resultatet med foreldra.",
        responsible=hs,
        start_days_ago=218,
        evaluation_in_days=-170,
    )
    s.measure(
        220,
        title="Rettleiing av personalet i språkstimulering",
        body="PPT rettleier avdelinga kvar fjortande dag: samtale i leik, bilete og teikn.",
        responsible=pp,
        start_days_ago=210,
        evaluation_in_days=20,
    )
    s.move(219, "Tiltaka er avtalte.", step=Step.MEASURES)
    s.evaluate(
        168,
        hearing,
        by=nurse,
        body="Høyrselstesten var normal. Øyra var tette etter mange forkjølingar, no er det betre.",
        effect=Effect.BETTER,
        next_steps="Ingen vidare oppfølging av høyrsla. Vi held fram med språkstimulering.",
    )
    s.entry(
        90,
        EntryKind.CHILD_VOICE,
        body="Emma peika på biletet av skulen og sa: «Eg skal dit. Med sekken min.»",
    )
    s.entry(
        60,
        EntryKind.BRIGHT_SPOT,
        body="Emma fortalde heile samlingsstunda om hytteturen – med mange nye ord!",
    )
    s.meeting(
        30,
        kind=MeetingKind.PLANNING,
        starts_at=s.workday(21, 14),
        place="Fjordvik barnehage",
        agenda="1. Overgang til skulen\n2. Kven tek over stafettpinnen?",
        minutes="Foreldra ønskjer at kontaktlæraren på skulen tek over loggen til skulestart.",
        decisions="Marit foreslår overføring til Sigrid Vik på Fjordvik skule.",
        invited=[nurse, psych, mother, father],
        attended=[teacher_kg, psych, mother, father],
    )
    s.do(
        s.at(3, 12),
        propose_handover,
        actor=s.coordinator,
        log=s.log,
        to_user=school_teacher,
        to_unit=units["Fjordvik skule"],
        message=(
            "Hei Sigrid! Emma byrjar i 1. klasse til hausten. Foreldra ønskjer at du tek over "
            "stafettpinnen. Språket har kome langt; rettleiinga frå PPT held fram ut våren."
        ),
    )
    s.finish()


def _lukas(
    subject: Subject, u: dict[str, User], units: dict[str, Unit], today: datetime.date
) -> None:
    """Level 3: school absence, four services; one evaluation is overdue."""
    school = units["Fjordvik ungdomsskule"]
    ppt, cw, health = (
        units["PPT Fjordvik"],
        units["Fjordvik barnevernteneste"],
        units["Fjordvik helsestasjon"],
    )
    teacher, psych = u["kontakt.ungdomsskule"], u["ppt.radgjevar"]
    caseworker, nurse = u["barnevern.sakshandsamar"], u["helsesjukepleiar"]
    mother, father = u["hilde.tveit"], u["rune.tveit"]
    s = _start("tveit.lukas", subject, teacher, school, Level.TWO, 150, today)
    s.consent(
        days_ago=148,
        units=[school, ppt, health],
        givers=[mother, father],
        purpose="Samarbeid om skulefråværet og trivselen til Lukas.",
    )
    pp = s.participant(146, psych, ppt, "PP-rådgjevar – kartlegg skulefråvær og tilrettelegging")
    hs = s.participant(146, nurse, health, "Helsesjukepleiar – faste samtalar med Lukas")
    s.entry(
        144,
        EntryKind.UNDERSTANDING,
        body=(
            "Lukas har over 20 % fråvær i haust. Han har trekt seg frå vennene sine og speler "
            "mykje om natta. Foreldra fortel om krangel heime om skulen og at dei kjenner seg "
            "makteslause."
        ),
    )
    s.meeting(
        145,
        kind=MeetingKind.START_UP,
        starts_at=s.workday(142, 8, 30),
        place="Fjordvik ungdomsskule, møterom 1",
        agenda="1. Fråvær og trivsel\n2. Kva seier Lukas?\n3. Tiltak",
        minutes="Lukas var med dei første 20 minutta. Han seier morgonane er verst.",
        decisions="Fråværsplan med PPT, samtalar med helsesjukepleiar.",
        invited=[psych, nurse, mother, father],
        attended=[teacher, psych, nurse, mother, father],
    )
    s.entry(
        142,
        EntryKind.CHILD_VOICE,
        body="«Det er lettare å kome når eg veit kva som skjer første time.»",
    )
    s.entry(141, EntryKind.GOAL, title="Lukas er på skulen minst fire dagar i veka")
    plan = s.measure(
        140,
        title="Fråværsplan og tilpassa timeplan",
        body="Mjuk start første time, fast vaksen som tek imot Lukas i døra.",
        responsible=pp,
        start_days_ago=138,
        evaluation_in_days=-80,
    )
    s.measure(
        140,
        title="Samtale med helsesjukepleiar kvar veke",
        body="Fast samtale tysdag kl. 10 om søvn, spel og korleis veka har vore.",
        responsible=hs,
        start_days_ago=138,
        evaluation_in_days=-10,
    )
    s.move(139, "Tiltaka er sette i gang.", step=Step.MEASURES)
    s.evaluate(
        78,
        plan,
        by=psych,
        body="Fråværet gjekk ned til 12 %, men konfliktane heime har auka.",
        effect=Effect.SOMEWHAT,
        next_steps="Foreldra ønskjer rettleiing. Vi spør barnevernet om å kome inn.",
    )
    # Child welfare joins: the family widens the consent, then the log moves to level 3.
    from stafett.consent.services import confirm_scope, widen_scope

    scope_unit = s.do(s.at(76, 10), widen_scope, actor=s.coordinator, log=s.log, unit=cw)
    for offset, parent in enumerate([mother, father]):
        s.do(s.at(75 - offset, 19), confirm_scope, actor=s.actor(parent), scope_unit=scope_unit)
    cwp = s.participant(73, caseworker, cw, "Sakshandsamar – foreldrerettleiing (ICDP)")
    s.move(
        72,
        "Barnevernet kjem inn med foreldrerettleiing. Fleire tenester treng å samordne seg tett.",
        level=Level.THREE,
    )
    s.measure(
        70,
        title="Foreldrerettleiing (ICDP), åtte samlingar",
        body="Hilde og Rune går på ICDP-kurs i regi av barnevernstenesta.",
        responsible=cwp,
        start_days_ago=60,
        evaluation_in_days=30,
    )
    s.entry(
        40,
        EntryKind.BRIGHT_SPOT,
        by=mother,
        body="Lukas laga middag til heile familien på fredag og spurde om å bli med på fisketur.",
    )
    s.entry(
        25,
        EntryKind.NOTE,
        by=nurse,
        body="Lukas har flytta spelkonsollen ut av soverommet sjølv. Han søv betre.",
    )
    s.meeting(
        7,
        kind=MeetingKind.EVALUATION,
        starts_at=s.workday(-12, 8, 30),
        place="Fjordvik ungdomsskule, møterom 1",
        agenda="1. Evaluering av samtalane\n2. Foreldrerettleiinga\n3. Vegen vidare",
        invited=[psych, nurse, caseworker, mother, father],
    )
    s.finish()


def _jonas(
    subject: Subject, u: dict[str, User], units: dict[str, Unit], today: datetime.date
) -> None:
    """Level 2: Jonas (16) consents himself and writes his own voice."""
    health, school = units["Fjordvik helsestasjon"], units["Fjordvik ungdomsskule"]
    nurse, teacher, jonas = u["helsesjukepleiar"], u["kontakt.ungdomsskule"], u["ungdom.lie"]
    s = _start("lie.jonas", subject, nurse, health, Level.TWO, 50, today)
    s.consent(
        days_ago=49,
        units=[health, school],
        givers=[jonas],
        purpose=(
            "Jonas samtykkjer til at helsesjukepleiar og skulen samarbeider om søvn, stress og "
            "eksamensførebuing."
        ),
    )
    contact = s.participant(47, teacher, school, "Kontaktperson på skulen – plan for prøvar")
    s.entry(
        46,
        EntryKind.UNDERSTANDING,
        body=(
            "Jonas søv lite og kjenner seg stressa før prøvar. Han tok sjølv kontakt med "
            "helsesjukepleiar og vil ha hjelp til å lage ein plan. Han vil sjølv bestemme kva "
            "foreldra får vite."
        ),
    )
    s.entry(
        45,
        EntryKind.CHILD_VOICE,
        by=jonas,
        body=(
            "Eg vil at lærarane skal vite at eg ikkje er lat. Eg treng å vite kva som kjem, og når."
        ),
    )
    s.meeting(
        46,
        kind=MeetingKind.START_UP,
        starts_at=s.workday(44, 12),
        place="Helsestasjon for ungdom",
        agenda="1. Kva vil Jonas ha hjelp til?\n2. Plan for prøvar\n3. Søvn",
        minutes="Jonas leia sjølv delar av møtet og hadde skrive ned kva han ønskjer.",
        decisions="Prøveplan kvar månad frå skulen. Samtale om søvn annakvar veke.",
        invited=[teacher, jonas],
        attended=[nurse, teacher, jonas],
    )
    s.entry(43, EntryKind.GOAL, title="Jonas søv minst sju timar dei fleste netter")
    s.measure(
        42,
        title="Prøveplan for kvar månad",
        body="Kontaktlæraren sender Jonas ein plan over prøvar og innleveringar fyrst i månaden.",
        responsible=contact,
        start_days_ago=40,
        evaluation_in_days=18,
    )
    s.move(41, "Planen er klar.", step=Step.MEASURES)
    s.entry(
        12,
        EntryKind.BRIGHT_SPOT,
        by=jonas,
        body="Fekk B på matteprøven og sov åtte timar natta før. Planen funkar.",
    )
    s.finish()


def _ida(
    subject: Subject, u: dict[str, User], units: dict[str, Unit], today: datetime.date
) -> None:
    """A pregnant woman's log; she withdrew her consent, so the services lost access."""
    health, cw = units["Fjordvik helsestasjon"], units["Fjordvik barnevernteneste"]
    nurse, caseworker, ida = u["helsesjukepleiar"], u["barnevern.sakshandsamar"], u["gravid.dahl"]
    s = _start("dahl.ida", subject, nurse, health, Level.TWO, 60, today)
    s.consent(
        days_ago=59,
        units=[health, cw],
        givers=[ida],
        purpose="Samarbeid mellom helsestasjonen og familieteamet om førebuing til fødselen.",
    )
    s.participant(57, caseworker, cw, "Familieteamet – rettleiing før fødselen")
    s.entry(
        55,
        EntryKind.UNDERSTANDING,
        body=(
            "Ida ventar sitt første barn og bur åleine. Ho uroar seg for økonomien og for å "
            "stå åleine etter fødselen, og ønskjer nokon å snakke med."
        ),
    )
    s.meeting(
        56,
        kind=MeetingKind.START_UP,
        starts_at=s.workday(52, 10),
        place="Fjordvik helsestasjon",
        agenda="1. Kva treng Ida?\n2. Kven kan hjelpe?",
        minutes="Ida ønskjer samtalar med familieteamet og hjelp til å søkje om bustøtte.",
        decisions="To samtalar med familieteamet før neste kontroll.",
        invited=[caseworker, ida],
        attended=[nurse, caseworker, ida],
    )
    s.entry(50, EntryKind.GOAL, title="Ida har ein plan for dei første vekene etter fødselen")
    s.do(s.at(5, 21), withdraw_consent, actor=s.actor(ida), log=s.log)
    Consent.objects.filter(log=s.log, withdrawn_at__isnull=False).update(withdrawn_at=s.at(5, 21))
    s.finish()


def _maja(
    subject: Subject, u: dict[str, User], units: dict[str, Unit], today: datetime.date
) -> None:
    """Level 1 in kindergarten, closed when the goals were met."""
    kg = units["Fjordvik barnehage"]
    teacher, head, mother = u["pedagog.barnehage"], u["leiar.barnehage"], u["nora.haugen"]
    s = _start("haugen.maja", subject, teacher, kg, Level.ONE, 200, today)
    s.consent(
        days_ago=199,
        units=[kg],
        givers=[mother],
        purpose="Samarbeid mellom heimen og Fjordvik barnehage om språket og trivselen til Maja.",
    )
    styrar = s.participant(197, head, kg, "Styrar – ekstra vaksen i språkgruppa")
    s.entry(
        196,
        EntryKind.UNDERSTANDING,
        body="Maja (2) seier få ord og trekkjer seg unna når det er mange barn rundt henne.",
    )
    s.meeting(
        197,
        kind=MeetingKind.START_UP,
        starts_at=s.workday(194, 15),
        place="Fjordvik barnehage",
        agenda="1. Kva ser vi?\n2. Språkgruppe",
        minutes="Nora fortel at Maja syng mykje heime.",
        decisions="Maja blir med i ei lita språkgruppe to gonger i veka.",
        invited=[head, mother],
        attended=[teacher, head, mother],
    )
    s.entry(193, EntryKind.GOAL, title="Maja brukar ord for å be om hjelp og for å vere med i leik")
    group = s.measure(
        192,
        title="Språkgruppe med songar og bilete, to gonger i veka",
        body="Tre barn, éin vaksen, faste songar og bildekort.",
        responsible=styrar,
        start_days_ago=190,
        evaluation_in_days=-60,
    )
    s.move(191, "Språkgruppa er i gang.", step=Step.MEASURES)
    s.entry(
        120, EntryKind.BRIGHT_SPOT, by=mother, body="Maja sa «meir saft, takk» ved middagsbordet!"
    )
    s.evaluate(
        58,
        group,
        by=head,
        body="Maja brukar mange nye ord og ber sjølv om å få vere med i leiken.",
        effect=Effect.BETTER,
        next_steps="Språkgruppa held fram som vanleg tilbod i barnehagen, utan loggen.",
    )
    s.move(56, "Måla er nådde.", step=Step.DECISION)
    s.do(
        s.at(50, 12),
        close_log,
        actor=s.coordinator,
        log=s.log,
        reason="Måla er nådde. Maja får vanleg språkstimulering i barnehagen vidare.",
        close_reason=CloseReason.GOALS_MET,
    )
    s.finish()
