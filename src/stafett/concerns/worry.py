"""The worry scale (skala for uro) and the small chart of worry over time.

The scale runs from 1 ("no worry") to 10 ("serious worry: act now"). Each municipality
may rewrite the anchor text of each band in its languages (nynorsk, bokmål, English);
until it does, the defaults below are used. A reader whose language has no text is shown
the municipality's main language, marked as such (core/texts.py). The chart is plain
server-rendered SVG (no script, no inline style: CSP) with a table beside it for screen
readers.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from stafett.concerns.models import WorryBand
from stafett.core.texts import Shown, pick_text, reader_language

SCALE_MIN = 1
SCALE_MAX = 10

# (low, high, {language: text})
DEFAULT_BANDS: list[tuple[int, int, dict[str, str]]] = [
    (
        1,
        2,
        {
            "nn": "Inga uro: barnet har det bra.",
            "nb": "Ingen uro: barnet har det bra.",
            "en": "No worry: the child is doing well.",
        },
    ),
    (
        3,
        4,
        {
            "nn": "Litt undring: hald auge med barnet.",
            "nb": "Litt undring: hold øye med barnet.",
            "en": "Some wondering: keep an eye on the child.",
        },
    ),
    (
        5,
        6,
        {
            "nn": "Uro: observer, skriv ned og drøft med ein kollega.",
            "nb": "Uro: observer, skriv ned og drøft med en kollega.",
            "en": "Worry: observe, write it down and talk it over with a colleague.",
        },
    ),
    (
        7,
        8,
        {
            "nn": "Tydeleg uro: snakk med leiar og føresette, vurder tiltak.",
            "nb": "Tydelig uro: snakk med leder og foresatte, vurder tiltak.",
            "en": "Clear worry: talk with your leader and the guardians, consider measures.",
        },
    ),
    (
        9,
        10,
        {
            "nn": "Alvorleg uro: handle no.",
            "nb": "Alvorlig uro: handle nå.",
            "en": "Serious worry: act now.",
        },
    ),
]


@dataclass(frozen=True)
class Band:
    low: int
    high: int
    texts: dict[str, str] = field(default_factory=dict)

    def shown(self, main: str, language: str | None = None) -> Shown:
        return pick_text(self.texts, main=main, language=language)

    @property
    def label(self) -> str:
        return f"{self.low}–{self.high}" if self.low != self.high else str(self.low)


def bands_for(municipality_id: int) -> list[Band]:
    """The municipality's anchor texts (one query), or the defaults."""
    rows = list(WorryBand.objects.in_municipality(municipality_id).order_by("low"))
    if rows:
        return [Band(r.low, r.high, dict(r.texts or {})) for r in rows]
    return [Band(low, high, dict(texts)) for low, high, texts in DEFAULT_BANDS]


@dataclass(frozen=True)
class Scale:
    """The choices of a score field: each value with its band's anchor text, the language
    each text is in, and the note to show when some are not in the reader's language."""

    choices: list[tuple[int, str]]
    languages: dict[int, str]
    note: str


def scale_for(municipality_id: int) -> Scale:
    language = reader_language()
    bands = bands_for(municipality_id)
    main = ""
    if any(not (b.texts.get(language) or "").strip() for b in bands):
        # Only then is the municipality's main language needed (one more query).
        from stafett.organisation.models import Municipality

        main = (
            Municipality.objects.filter(id=municipality_id)
            .values_list("language", flat=True)
            .first()
        ) or "nn"
    choices: list[tuple[int, str]] = []
    languages: dict[int, str] = {}
    notes: list[str] = []
    for value in range(SCALE_MIN, SCALE_MAX + 1):
        band = next((b for b in bands if b.low <= value <= b.high), None)
        shown = band.shown(main, language) if band is not None else None
        if shown:
            choices.append((value, f"{value} – {shown.text}"))
            languages[value] = shown.language
            if shown.is_fallback and shown.note not in notes:
                notes.append(shown.note)
        else:
            choices.append((value, str(value)))
    return Scale(choices=choices, languages=languages, note=" ".join(notes))


def scale_choices(municipality_id: int) -> list[tuple[int, str]]:
    """Choices for a form: each value with its band's anchor text in the page's language
    (else the municipality's main language)."""
    return scale_for(municipality_id).choices


# --- The chart ---------------------------------------------------------------------

WIDTH, HEIGHT = 320, 160
LEFT, RIGHT, TOP, BOTTOM = 28, 12, 10, 24


@dataclass(frozen=True)
class Point:
    day: datetime.date
    score: int
    source: str  # "concern" or "evaluation"
    x: float
    y: float

    # The square of an evaluation is drawn around the point (8 × 8).
    @property
    def box_x(self) -> float:
        return round(self.x - 4, 1)

    @property
    def box_y(self) -> float:
        return round(self.y - 4, 1)


@dataclass(frozen=True)
class Chart:
    points: list[Point]
    polyline: str
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def first(self) -> Point:
        return self.points[0]

    @property
    def last(self) -> Point:
        return self.points[-1]

    @property
    def change(self) -> int:
        return self.last.score - self.first.score

    @property
    def gridlines(self) -> list[tuple[int, float]]:
        return [(v, _y(v)) for v in (1, 5, 10)]

    @property
    def plot_left(self) -> int:
        return LEFT

    @property
    def plot_right(self) -> int:
        return WIDTH - RIGHT

    @property
    def axis_y(self) -> int:
        return HEIGHT - BOTTOM

    @property
    def label_x(self) -> int:
        """The score labels end just left of the plot."""
        return LEFT - 6

    @property
    def date_y(self) -> int:
        return HEIGHT - 6


def _y(score: int) -> float:
    span = HEIGHT - TOP - BOTTOM
    return round(TOP + span * (SCALE_MAX - score) / (SCALE_MAX - SCALE_MIN), 1)


def build_chart(scores: list[tuple[datetime.date, int, str]]) -> Chart | None:
    """A chart of (date, score, source), oldest first; None when there is nothing to show."""
    if not scores:
        return None
    scores = sorted(scores, key=lambda s: s[0])
    first, last = scores[0][0], scores[-1][0]
    days = max((last - first).days, 1)
    span = WIDTH - LEFT - RIGHT
    points = []
    for index, (day, score, source) in enumerate(scores):
        if len(scores) == 1:
            x = LEFT + span / 2
        elif last == first:
            x = LEFT + span * index / (len(scores) - 1)
        else:
            x = LEFT + span * (day - first).days / days
        points.append(Point(day, score, source, round(x, 1), _y(score)))
    polyline = " ".join(f"{p.x},{p.y}" for p in points)
    return Chart(points=points, polyline=polyline)
