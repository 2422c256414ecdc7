"""The geometry of the dashboard's charts, drawn as SVG by templates/dashboard/_charts.html.

Pure functions from numbers to shapes: no script, no library, nothing fetched. Sizes are in SVG
units; each chart is `WIDTH` wide so that on a 375 px phone one unit is about one pixel.
"""

from dataclasses import dataclass

WIDTH = 320
ROW = 38  # one labelled bar: the label above, the bar below
BAR = 14
SERIES_COLOURS = ("#a3201d", "#1559a8", "#2e7d32", "#b26a00", "#6a3d9a")
OUTCOME_COLOURS = {"A": "#2e7d32", "B": "#1559a8", "C": "#b26a00"}


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # a fraction of the longest possible bar
    text: str  # the figure as read, e.g. "81.8%" or "12"
    href: str
    y: float  # top of the label line
    width: float


@dataclass(frozen=True)
class Segment:
    key: str
    x: float
    width: float
    colour: str
    text: str
    href: str


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    text: str
    href: str


@dataclass(frozen=True)
class Series:
    label: str
    colour: str
    points: list[Point]

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


def bars(items: list[tuple[str, float | None, str, str]], *, scale: float | None = None) -> dict:
    """Horizontal bars from (label, value, text, href); values are fractions of `scale` (the largest if None)."""
    room = WIDTH - 64  # the figure is written after the bar
    top = scale if scale is not None else max([v for _, v, _, _ in items if v] or [1])
    shapes = [
        Bar(label, value, text, href, i * ROW, room * (value or 0) / top if top else 0)
        for i, (label, value, text, href) in enumerate(items)
    ]
    return {"bars": shapes, "height": max(len(shapes) * ROW, ROW), "width": WIDTH, "bar": BAR}


def stacked(parts: list[tuple[str, float | None, str, str]]) -> dict:
    """One bar split into shares (key, share, text, href), e.g. the A/B/C classes of the replies."""
    x = 0.0
    segments = []
    for key, share, text, href in parts:
        width = WIDTH * (share or 0)
        segments.append(Segment(key, x, width, OUTCOME_COLOURS.get(key, "#57606a"), text, href))
        x += width
    return {"segments": segments, "width": WIDTH, "height": 28, "empty": x == 0}


def lines(columns: list[tuple[str, str]], series: list[tuple[str, list[float | None], list[str]]]) -> dict:
    """A line per series over the columns: columns are (label, href), series (label, values, texts)."""
    left, right, top, bottom = 40, 12, 10, 40
    height = 220
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    step = plot_w / max(len(columns) - 1, 1)

    def x(i: int) -> float:
        return left + (i * step if len(columns) > 1 else plot_w / 2)

    drawn = []
    for n, (label, values, texts) in enumerate(series):
        points = [
            Point(x(i), top + plot_h * (1 - v), texts[i], columns[i][1]) for i, v in enumerate(values) if v is not None
        ]
        drawn.append(Series(label, SERIES_COLOURS[n % len(SERIES_COLOURS)], points))
    ticks = [(top + plot_h * (1 - f), f"{round(f * 100)}%") for f in (0, 0.5, 1)]
    labels = [(x(i), label, href) for i, (label, href) in enumerate(columns)]
    return {
        "series": drawn,
        "ticks": ticks,
        "labels": labels,
        "width": WIDTH,
        "height": height,
        "left": left,
        "right": WIDTH - right,
        "baseline": top + plot_h,
    }
