"""The worry scale (skala for uro) and the small chart of worry over time.

The scale runs from 1 ("no worry") to 10 ("serious worry: act now"). Each municipality
may rewrite the anchor text of each band in nynorsk and bokmål; until it does, the
defaults below are used. The chart is plain server-rendered SVG (no script, no inline
style: CSP) with a table beside it for screen readers.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import get_language

from stafett.concerns.models import WorryBand

SCALE_MIN = 1
SCALE_MAX = 10

# (low, high, nynorsk, bokmål)
DEFAULT_BANDS: list[tuple[int, int, str, str]] = [
    (1, 2, "Inga uro: barnet har det bra.", "Ingen uro: barnet har det bra."),
    (3, 4, "Litt undring: hald auge med barnet.", "Litt undring: hold øye med barnet."),
    (
        5,
        6,
        "Uro: observer, skriv ned og drøft med ein kollega.",
        "Uro: observer, skriv ned og drøft med en kollega.",
    ),
    (
        7,
        8,
        "Tydeleg uro: snakk med leiar og føresette, vurder tiltak.",
        "Tydelig uro: snakk med leder og foresatte, vurder tiltak.",
    ),
    (
        9,
        10,
        "Alvorleg uro: handle no.",
        "Alvorlig uro: handle nå.",
    ),
]


@dataclass(frozen=True)
class Band:
    low: int
    high: int
    text_nn: str
    text_nb: str

    def text(self, language: str, fallback: str = "nn") -> str:
        lang = language if language in ("nn", "nb") else fallback
        return self.text_nb if lang == "nb" else self.text_nn

    @property
    def label(self) -> str:
        return f"{self.low}–{self.high}" if self.low != self.high else str(self.low)


def bands_for(municipality_id: int) -> list[Band]:
    """The municipality's anchor texts (one query), or the defaults."""
    rows = list(WorryBand.objects.in_municipality(municipality_id).order_by("low"))
    if rows:
        return [Band(r.low, r.high, r.text_nn, r.text_nb) for r in rows]
    return [Band(*row) for row in DEFAULT_BANDS]


def scale_choices(municipality_id: int) -> list[tuple[int, str]]:
    """Choices for a form: each value with its band's anchor text in the page's language
    (pages in English show the municipality's own language)."""
    language = (get_language() or "")[:2]
    fallback = language
    if language not in ("nn", "nb"):
        from stafett.organisation.models import Municipality

        fallback = (
            Municipality.objects.filter(id=municipality_id)
            .values_list("language", flat=True)
            .first()
        ) or "nn"
    bands = bands_for(municipality_id)
    choices = []
    for value in range(SCALE_MIN, SCALE_MAX + 1):
        band = next((b for b in bands if b.low <= value <= b.high), None)
        text = band.text(language, fallback) if band is not None else ""
        choices.append((value, f"{value} – {text}" if text else str(value)))
    return choices


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
