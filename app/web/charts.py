"""Bar charts as inline SVG, drawn on the server: readable without JavaScript, printable, and served with the
page (nothing to load). Each chart stands beside the table with its figures; the chart's title says so."""

from dataclasses import dataclass
from decimal import Decimal

from app.web.common import kr_short

WIDTH = 560
LABEL_WIDTH = 170
VALUE_WIDTH = 90
BAR_HEIGHT = 14
BAR_GAP = 3
GROUP_GAP = 12
TOP = 8
LABEL_CHARS = 24

# Colours with at least 3:1 contrast against white (WCAG 1.4.11); the legend names them in words too.
SERIES_COLOURS = ["#1d4f91", "#b34700", "#4d7a00", "#6b3fa0"]


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    label: str  # value as text beside the bar
    label_x: float


@dataclass
class Group:
    label: str
    full_label: str
    y: float  # baseline of the label text
    bars: list[Bar]


@dataclass
class Chart:
    id: str
    title: str
    series: list[tuple[str, str]]  # (name, colour)
    groups: list[Group]
    width: int
    height: int


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1].rstrip() + "…"


def bar_chart(
    chart_id: str, title: str, labels: list[str], series: list[tuple[str, list[Decimal | int | None]]]
) -> Chart:
    """Horizontal bars: one group per label, one bar per series, all on one scale from 0."""
    values = [Decimal(v or 0) for _, vs in series for v in vs]
    top = max([v for v in values if v > 0], default=Decimal(0))
    area = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    group_height = len(series) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP
    groups = []
    y = TOP
    for i, label in enumerate(labels):
        bars = []
        for j, (_name, vs) in enumerate(series):
            value = Decimal(vs[i] or 0)
            width = float(value / top * area) if top and value > 0 else 0.0
            bar_y = y + j * (BAR_HEIGHT + BAR_GAP)
            bars.append(
                Bar(
                    x=LABEL_WIDTH,
                    y=bar_y,
                    width=round(width, 1),
                    height=BAR_HEIGHT,
                    colour=SERIES_COLOURS[j % len(SERIES_COLOURS)],
                    label=kr_short(vs[i] or 0),
                    label_x=round(LABEL_WIDTH + width + 4, 1),
                )
            )
        groups.append(Group(label=_short(label), full_label=label, y=y + group_height / 2 + 4, bars=bars))
        y += group_height + GROUP_GAP
    return Chart(
        id=chart_id,
        title=title,
        series=[(name, SERIES_COLOURS[j % len(SERIES_COLOURS)]) for j, (name, _) in enumerate(series)],
        groups=groups,
        width=WIDTH,
        height=int(max(y - GROUP_GAP + TOP, 40)),
    )
