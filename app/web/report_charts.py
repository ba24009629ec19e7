"""Line charts for the report to the Byråd, as inline SVG drawn on the server: one chart per theme, one panel per
indicator, with the municipality and the three focus areas over the rounds. The figures are in the tables
beside them; the legend names the lines in words."""

from dataclasses import dataclass
from decimal import Decimal

from app.models.ambition import IndicatorAmbition
from app.web.charts import SERIES_COLOURS

PANEL_WIDTH, PANEL_HEIGHT = 270, 170
PANELS_PER_ROW = 2
GAP = 20
LEFT, RIGHT, TOP, BOTTOM = 44, 14, 34, 24
MUNICIPALITY_COLOUR = "#1a1a1a"


@dataclass
class Line:
    name: str
    colour: str
    width: float
    dash: str
    points: str  # SVG polyline points
    dots: list[tuple[float, float, str]]  # x, y, value text


@dataclass
class Panel:
    x: int
    y: int
    title: str
    y_labels: list[tuple[float, str]]
    x_labels: list[tuple[float, str]]
    lines: list[Line]
    empty: bool


@dataclass
class LineChart:
    id: str
    title: str
    width: int
    height: int
    panels: list[Panel]
    legend: list[tuple[str, str, str]]  # name, colour, dash


def number(value: Decimal | None) -> str:
    """A figure as stored, with a Danish decimal comma: 12.50 → "12,50", -2.5 → "−2,5"."""
    if value is None:
        return "–"
    return format(Decimal(value), "f").replace("-", "−").replace(".", ",")


def _scale(values: list[Decimal]) -> tuple[Decimal, Decimal]:
    low, high = min(values), max(values)
    pad = (high - low) * Decimal("0.1") or Decimal(1)
    return low - pad, high + pad


def _series(ind: IndicatorAmbition, names: dict[str, str]) -> list[tuple[str, str, float, str, list]]:
    found = [("Hele Gladsaxe Kommune", MUNICIPALITY_COLOUR, 3.0, "", [p.municipality for p in ind.series])]
    for i, area in enumerate(list(ind.series[0].areas) if ind.series else []):
        found.append((names[area], SERIES_COLOURS[i % len(SERIES_COLOURS)], 2.0, "5 3" if i == 1 else "", []))
        found[-1][4].extend(p.areas.get(area) for p in ind.series)
    return found


def _panel(ind: IndicatorAmbition, x: int, y: int, names: dict[str, str]) -> Panel:
    series = _series(ind, names)
    values = [v for *_, vs in series for v in vs if v is not None]
    title = f"{ind.number} {ind.name}"
    title = title if len(title) <= 42 else title[:41].rstrip() + "…"
    if not values:
        return Panel(x, y, title, [], [], [], True)
    low, high = _scale(values)
    inner_w, inner_h = PANEL_WIDTH - LEFT - RIGHT, PANEL_HEIGHT - TOP - BOTTOM
    count = len(ind.series)

    def px(i: int) -> float:
        return round(x + LEFT + (inner_w * i / (count - 1) if count > 1 else inner_w / 2), 1)

    def py(v: Decimal) -> float:
        return round(y + TOP + float((high - v) / (high - low)) * inner_h, 1)

    lines = []
    for name, colour, width, dash, vs in series:
        pts = [(px(i), py(v), number(v)) for i, v in enumerate(vs) if v is not None]
        lines.append(Line(name, colour, width, dash, " ".join(f"{a},{b}" for a, b, _ in pts), pts))
    y_labels = [(py(v), number(v)) for v in (min(values), max(values))]
    x_labels = [(px(i), str(p.year)) for i, p in enumerate(ind.series)]
    return Panel(x, y, title, y_labels, x_labels, lines, False)


def theme_chart(code: str, name: str, indicators: list[IndicatorAmbition], names: dict[str, str]) -> LineChart:
    panels = []
    for i, ind in enumerate(indicators):
        row, col = divmod(i, PANELS_PER_ROW)
        panels.append(_panel(ind, col * (PANEL_WIDTH + GAP), row * (PANEL_HEIGHT + GAP), names))
    rows = max(1, -(-len(indicators) // PANELS_PER_ROW))
    columns = min(max(len(indicators), 1), PANELS_PER_ROW)
    legend = [("Hele Gladsaxe Kommune", MUNICIPALITY_COLOUR, "")]
    if indicators and indicators[0].series:
        for i, area in enumerate(indicators[0].series[0].areas):
            legend.append((names[area], SERIES_COLOURS[i % len(SERIES_COLOURS)], "5 3" if i == 1 else ""))
    return LineChart(
        id=f"graf-{code.lower()}",
        title=f"{code} {name}: hele kommunen og de tre områder over runderne (tallene står i tabellerne)",
        width=columns * PANEL_WIDTH + (columns - 1) * GAP,
        height=rows * PANEL_HEIGHT + (rows - 1) * GAP,
        panels=panels,
        legend=legend,
    )
