"""Geometry of the dashboard's pictures (timeline, supplier → recipient graph), free of Django."""

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

STAGE_ORDER = (
    "request",
    "negotiation",
    "agreement",
    "production",
    "shipment",
    "delivery",
    "battlefield_use",
)
# Which mark a date precision gets: a point, a span, or an interval with visible ends.
PRECISION_SHAPE = {
    "day": "dot",
    "month": "bar",
    "year": "bar",
    "approximate": "approx",
    "interval": "bracket",
}


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# ---------------------------------------------------------------------------- timeline


@dataclass(frozen=True)
class TimelineItem:
    href: str
    label: str
    start: date | None
    end: date | None
    precision: str
    stage: str
    detail: str = ""  # the date in words, for the tooltip
    negated: bool = False  # "did not happen": drawn hollow, never as the stage it denies


@dataclass(frozen=True)
class TimelineRow:
    item: TimelineItem
    y: float
    label: str
    shape: str  # dot, bar, approx or bracket
    x1: float
    x2: float

    @property
    def cx(self) -> float:
        return (self.x1 + self.x2) / 2

    @property
    def width(self) -> float:
        return round(self.x2 - self.x1, 1)

    @property
    def top(self) -> float:
        return self.y - 5

    @property
    def bottom(self) -> float:
        return self.y + 5

    @property
    def stage_class(self) -> str:
        return "negated" if self.item.negated else f"stage-{self.item.stage or 'none'}"


@dataclass(frozen=True)
class Tick:
    x: float
    day: date
    by_year: bool


@dataclass
class Timeline:
    width: int
    height: int
    plot_left: int
    plot_right: int
    axis_y: float
    rows: list[TimelineRow] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    undated: list[TimelineItem] = field(default_factory=list)

    @property
    def label_x(self) -> int:
        return self.plot_left - 10

    @property
    def tick_label_y(self) -> float:
        return self.axis_y + 18


def _month_starts(first: date, last: date, step: int) -> list[date]:
    months = []
    year, month = first.year, first.month
    if first.day != 1:
        month += 1
    while True:
        year += (month - 1) // 12
        month = (month - 1) % 12 + 1
        day = date(year, month, 1)
        if day > last:
            return months
        months.append(day)
        month += step


def _ticks(first: date, last: date, max_ticks: int = 10) -> list[tuple[date, bool]]:
    span_months = (last.year - first.year) * 12 + last.month - first.month + 1
    if span_months <= max_ticks * 12:
        for step in (1, 2, 3, 6, 12):
            if span_months / step <= max_ticks:
                starts = _month_starts(first, last, 1)
                return [(d, False) for d in starts if (d.year * 12 + d.month - 1) % step == 0]
    years = range(first.year + (first != date(first.year, 1, 1)), last.year + 1)
    step = max(1, math.ceil(len(years) / max_ticks))
    return [(date(y, 1, 1), True) for y in years if y % step == 0]


def _distinct_labels(items: list[TimelineItem], limit: int) -> list[str]:
    """Shortened labels, with the date and then a number added where two rows would read alike."""
    labels = [shorten(item.label, limit) for item in items]
    alike = Counter(labels)
    for index, item in enumerate(items):
        if alike[labels[index]] > 1 and item.detail:
            suffix = f" · {item.detail}"
            labels[index] = shorten(item.label, max(limit - len(suffix), 12)) + suffix
    seen: Counter = Counter()
    alike = Counter(labels)
    for index, label in enumerate(labels):
        if alike[label] > 1:
            seen[label] += 1
            labels[index] = f"{label} ({seen[label]})"
    return labels


def timeline(
    items: list[TimelineItem],
    *,
    width: int = 960,
    label_width: int = 330,
    row_height: int = 22,
    top: int = 12,
    label_chars: int = 48,
) -> Timeline:
    """One row per dated claim, oldest first; undated claims are set apart, not guessed."""
    dated = sorted((i for i in items if i.start is not None), key=lambda i: (i.start, i.end or i.start))
    undated = [i for i in items if i.start is None]
    plot_left, plot_right = label_width, width - 24
    axis_y = top + len(dated) * row_height + 6
    chart = Timeline(
        width=width,
        height=int(axis_y + 34),
        plot_left=plot_left,
        plot_right=plot_right,
        axis_y=axis_y,
        undated=undated,
    )
    if not dated:
        return chart
    first = min(i.start for i in dated)
    last = max(i.end or i.start for i in dated)
    # Pad so that marks at the edges are not cut and a single day still has some room.
    pad = max(timedelta(days=10), (last - first) * 0.04)
    first, last = first - pad, last + pad
    days = (last - first).days or 1

    def x(day: date) -> float:
        return round(plot_left + (day - first).days / days * (plot_right - plot_left), 1)

    labels = _distinct_labels(dated, label_chars)
    for index, item in enumerate(dated):
        end = item.end or item.start
        shape = PRECISION_SHAPE.get(item.precision, "bar")
        x1, x2 = x(item.start), x(end + timedelta(days=1)) if shape != "dot" else x(item.start)
        if shape != "dot" and x2 - x1 < 4:  # a span too short to see reads as a point otherwise
            x2 = x1 + 4
        chart.rows.append(
            TimelineRow(
                item=item,
                y=top + index * row_height + row_height / 2,
                label=labels[index],
                shape=shape,
                x1=x1,
                x2=x2,
            )
        )
    chart.ticks = [Tick(x=x(day), day=day, by_year=by_year) for day, by_year in _ticks(first, last)]
    return chart


# ---------------------------------------------------------------------------- graph


@dataclass(frozen=True)
class Flow:
    supplier_id: int
    supplier: str
    recipient_id: int
    recipient: str
    count: int
    categories: tuple[str, ...]
    href: str


@dataclass(frozen=True)
class Node:
    actor_id: int
    name: str
    x: float
    y: float
    label_x: float
    label_y: float
    anchor: str  # SVG text-anchor: start, middle or end


@dataclass(frozen=True)
class Edge:
    flow: Flow
    path: str
    arrow: str  # the arrowhead's polygon points
    width: float
    label_x: float
    label_y: float
    label: str


@dataclass
class Graph:
    width: int
    height: int
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    max_count: int = 0


def edge_width(count: int, max_count: int) -> float:
    """1 claim → 2 px, the busiest edge → 12 px, linear in between."""
    if max_count <= 1:
        return 2.0
    return round(2 + 10 * (count - 1) / (max_count - 1), 1)


def graph(
    flows: list[Flow],
    *,
    width: int = 640,
    height: int = 400,
    margin: int = 150,
    node_radius: float = 9,
) -> Graph:
    """Actors on a circle, one curved arrow per supplier → recipient pair (A→B and B→A bend apart)."""
    names: dict[int, str] = {}
    for flow in flows:
        names[flow.supplier_id] = flow.supplier
        names[flow.recipient_id] = flow.recipient
    side_by_side = len(names) <= 2  # no need for the height of a circle
    if side_by_side:
        height = min(height, 170)
    chart = Graph(width=width, height=height, max_count=max((f.count for f in flows), default=0))
    if not names:
        return chart
    cx, cy = width / 2, height / 2
    radius = width / 2 - margin if side_by_side else min(width / 2 - margin, height / 2 - 40)
    positions: dict[int, tuple[float, float]] = {}
    ordered = sorted(names.items(), key=lambda item: item[1].casefold())
    for index, (actor_id, name) in enumerate(ordered):
        angle = math.pi + 2 * math.pi * index / len(ordered)  # the first actor on the left
        px, py = cx + radius * math.cos(angle), cy + radius * math.sin(angle)
        cos = math.cos(angle)
        anchor = "end" if cos < -0.3 else "start" if cos > 0.3 else "middle"
        offset = node_radius + 8
        chart.nodes.append(
            Node(
                actor_id=actor_id,
                name=name,
                x=round(px, 1),
                y=round(py, 1),
                label_x=round(px + offset * cos, 1),
                label_y=round(py + offset * math.sin(angle) + 4, 1),
                anchor=anchor,
            )
        )
        positions[actor_id] = (px, py)
    for flow in sorted(flows, key=lambda f: -f.count):
        (x1, y1), (x2, y2) = positions[flow.supplier_id], positions[flow.recipient_id]
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy) or 1
        ux, uy = dx / length, dy / length
        gap = node_radius + 3
        sx, sy = x1 + ux * gap, y1 + uy * gap
        # Bend to the left of the direction of travel, so opposite flows never overlap.
        bend = 0.18 * length
        qx, qy = (x1 + x2) / 2 + uy * bend, (y1 + y2) / 2 - ux * bend
        width_px = edge_width(flow.count, chart.max_count)
        # The arrowhead grows with the line; its tip touches the recipient's circle.
        tx, ty = x2 - qx, y2 - qy
        t_len = math.hypot(tx, ty) or 1
        tx, ty = tx / t_len, ty / t_len
        tip_x, tip_y = x2 - tx * gap, y2 - ty * gap
        head_len, head_half = 8 + width_px, 4 + width_px / 2
        ex, ey = tip_x - tx * head_len, tip_y - ty * head_len
        arrow = " ".join(
            f"{px:.1f},{py:.1f}"
            for px, py in (
                (tip_x, tip_y),
                (ex + ty * head_half, ey - tx * head_half),
                (ex - ty * head_half, ey + tx * head_half),
            )
        )
        # The label sits just outside the bend, clear of the line whatever its thickness.
        away = width_px / 2 + 10
        mid_x = 0.25 * sx + 0.5 * qx + 0.25 * ex + uy * away
        mid_y = 0.25 * sy + 0.5 * qy + 0.25 * ey - ux * away + 4
        chart.edges.append(
            Edge(
                flow=flow,
                path=f"M {sx:.1f} {sy:.1f} Q {qx:.1f} {qy:.1f} {ex:.1f} {ey:.1f}",
                arrow=arrow,
                width=width_px,
                label_x=round(mid_x, 1),
                label_y=round(mid_y, 1),
                label=shorten(", ".join(flow.categories), 60),
            )
        )
    return chart


# ---------------------------------------------------------------------------- outcome strip

# Colour families of check outcomes: what an editor should do about a check, not its exact cause.
OUTCOME_TONES = {
    "fine": ("ok", "not_modified", "moved"),
    "changed": ("changed", "quote_missing"),
    "gone": ("gone", "soft_404"),
    "failing": ("server_error", "timeout", "blocked", "dns_error", "tls_error"),
    "refused": ("refused", "too_large", "unsupported_type"),
}
TONE_OF = {outcome: tone for tone, outcomes in OUTCOME_TONES.items() for outcome in outcomes}
STRIP_CELL = 14
STRIP_GAP = 2
STRIP_HEIGHT = 22


@dataclass(frozen=True)
class StripCell:
    x: int
    tone: str
    label: str


@dataclass
class Strip:
    width: int
    height: int = STRIP_HEIGHT
    cell: int = STRIP_CELL
    cells: list[StripCell] = field(default_factory=list)


def outcome_strip(checks: list[tuple[str, str]]) -> Strip:
    """One square per check, oldest on the left; `checks` holds (outcome, tooltip) oldest first."""
    cells = [
        StripCell(x=i * (STRIP_CELL + STRIP_GAP), tone=TONE_OF.get(outcome, "refused"), label=label)
        for i, (outcome, label) in enumerate(checks)
    ]
    return Strip(width=max(len(cells) * (STRIP_CELL + STRIP_GAP) - STRIP_GAP, 1), cells=cells)
