"""Small inline SVG charts (no JavaScript, no external files): a line chart with a band, a bar
chart, a status grid and a gauge. Every mark has a <title>, so hovering shows its value."""

from __future__ import annotations

import math
from html import escape

COLORS = {"PASS": "#16a34a", "FAIL": "#dc2626", "WARN": "#d97706", "OK": "#16a34a", "NONE": "#e5e7eb"}
LINE, BAND, BAR = "#2563eb", "#bfdbfe", "#7c3aed"
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 52, 14, 14, 30


def compact(value: float) -> str:
    """1234 -> 1.2k, 0.25 -> 0.25, 12 -> 12."""
    magnitude = abs(value)
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if magnitude >= limit:
            return f"{value / limit:.3g}{suffix}"
    return f"{value:.3g}" if value != int(value) else str(int(value))


def ticks(low: float, high: float, count: int = 4) -> list[float]:
    """Round tick values covering [low, high]."""
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    step = 10 ** math.floor(math.log10(raw))
    step *= next(m for m in (1, 2, 2.5, 5, 10) if step * m >= raw)
    first = math.floor(low / step) * step
    return [first + i * step for i in range(int(math.ceil((high - first) / step)) + 1)]


class _Frame:
    """Plot area and scales for `count` x positions and a y range."""

    def __init__(self, width: int, height: int, count: int, low: float, high: float):
        self.width, self.height, self.count = width, height, count
        self.ticks = ticks(low, high)
        self.low, self.high = self.ticks[0], self.ticks[-1]
        self.plot_w = width - MARGIN_LEFT - MARGIN_RIGHT
        self.plot_h = height - MARGIN_TOP - MARGIN_BOTTOM

    def x(self, index: int) -> float:
        step = self.plot_w / max(self.count, 1)
        return MARGIN_LEFT + step * (index + 0.5)

    def y(self, value: float) -> float:
        return MARGIN_TOP + self.plot_h * (1 - (value - self.low) / (self.high - self.low))

    def axes(self, labels: list[str]) -> list[str]:
        parts = []
        for tick in self.ticks:
            y = self.y(tick)
            right = self.width - MARGIN_RIGHT
            parts.append(f'<line x1="{MARGIN_LEFT}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
            parts.append(_text(MARGIN_LEFT - 6, y + 3.5, compact(tick), "end"))
        every = max(1, math.ceil(len(labels) / 6))
        for i, label in enumerate(labels):
            if i % every == 0 or i == len(labels) - 1:
                parts.append(_text(self.x(i), self.height - 10, label, "middle"))
        return parts


def _text(x: float, y: float, content: str, anchor: str = "start", extra: str = "") -> str:
    """An axis label (content is escaped)."""
    return f'<text x="{x:.1f}" y="{y:.1f}" class="tick" text-anchor="{anchor}"{extra}>{escape(content)}</text>'


def _svg(width: int, height: int, label: str, parts: list[str]) -> str:
    body = "".join(parts)
    size = f'viewBox="0 0 {width} {height}" width="{width}" height="{height}"'
    return f'<svg {size} role="img" aria-label="{escape(label)}">{body}</svg>'


def empty(message: str) -> str:
    return f'<p class="empty">{escape(message)}</p>'


def line_chart(
    points: list[tuple[str, float]],
    band: tuple[float, float] | None = None,
    alarm: bool = False,
    label: str = "",
    width: int = 560,
    height: int = 190,
) -> str:
    """A line of values (oldest first) over a shaded band; the last point is red when `alarm`."""
    if not points:
        return empty("No data yet.")
    values = [v for _, v in points] + (list(band) if band else [])
    low, high = min(values), max(values)
    pad = (high - low) * 0.1 or max(abs(high) * 0.1, 1)
    low, high = low - pad, high + pad
    if low > 0 and low < high * 0.3:
        low = 0.0
    frame = _Frame(width, height, len(points), low, high)
    parts = frame.axes([name for name, _ in points])
    if band:
        top, bottom = frame.y(min(band[1], frame.high)), frame.y(max(band[0], frame.low))
        parts.append(
            f'<rect x="{MARGIN_LEFT}" y="{top:.1f}" width="{frame.plot_w}" height="{bottom - top:.1f}" '
            f'fill="{BAND}" opacity="0.55"><title>anomaly band {compact(band[0])} to '
            f"{compact(band[1])}</title></rect>"
        )
    coords = " ".join(f"{frame.x(i):.1f},{frame.y(v):.1f}" for i, (_, v) in enumerate(points))
    parts.append(f'<polyline points="{coords}" fill="none" stroke="{LINE}" stroke-width="2"/>')
    for i, (name, value) in enumerate(points):
        last = i == len(points) - 1
        color = COLORS["FAIL"] if last and alarm else LINE
        parts.append(
            f'<circle cx="{frame.x(i):.1f}" cy="{frame.y(value):.1f}" r="{4.5 if last else 3}" fill="{color}">'
            f"<title>{escape(name)}: {value:,.0f}</title></circle>"
        )
    return _svg(width, height, label, parts)


def bar_chart(bars: list[tuple[str, float, str]], label: str = "", width: int = 560, height: int = 170) -> str:
    """Bars (label, value, tooltip), oldest first."""
    if not bars:
        return empty("No data yet.")
    frame = _Frame(width, height, len(bars), 0.0, max(max(v for _, v, _ in bars), 1.0))
    parts = frame.axes([name for name, _, _ in bars])
    bar_w = max(2.0, frame.plot_w / len(bars) * 0.7)
    for i, (_, value, tooltip) in enumerate(bars):
        top = frame.y(value)
        parts.append(
            f'<rect x="{frame.x(i) - bar_w / 2:.1f}" y="{top:.1f}" width="{bar_w:.1f}" '
            f'height="{frame.y(0) - top:.1f}" fill="{BAR}"><title>{escape(tooltip)}</title></rect>'
        )
    return _svg(width, height, label, parts)


def status_grid(
    rows: list[str], columns: list[tuple[str, str, str]], cells: dict[tuple[str, str], str], label: str = ""
) -> str:
    """Checks (rows) x runs (columns: id, caption, link), each cell colored by PASS/FAIL/WARN."""
    if not columns:
        return empty("No check has run yet.")
    size, gap, left, caption_h = 20, 4, 120, 44
    width = left + len(columns) * (size + gap) + 24
    grid_h = len(rows) * (size + gap)
    parts = []
    for r, row in enumerate(rows):
        y = r * (size + gap) + 4
        parts.append(_text(left - 8, y + 14, row, "end"))
        for c, (run_id, caption, link) in enumerate(columns):
            status = cells.get((row, run_id), "NONE")
            tip = f"{row} - {caption} - {status if status != 'NONE' else 'not evaluated'}"
            rect = (
                f'<rect x="{left + c * (size + gap)}" y="{y}" width="{size}" height="{size}" rx="3" '
                f'fill="{COLORS[status]}"><title>{escape(tip)}</title></rect>'
            )
            parts.append(f'<a href="{escape(link)}">{rect}</a>' if link else rect)
    for c, (_, caption, _) in enumerate(columns):
        x, y = left + c * (size + gap) + size / 2 + 3, grid_h + 10
        parts.append(_text(x, y, caption, "end", f' transform="rotate(-45 {x:.1f} {y})"'))
    return _svg(width, grid_h + caption_h, label, parts)


def gauge(value: float | None, warn: float | None, fail: float | None, status: str, width: int = 560) -> str:
    """Hours since the last update against the warn and fail marks."""
    if value is None:
        return empty("Never materialized.")
    height, top, bar_h = 46, 8, 14
    scale_max = max([v for v in (value * 1.1, (fail or 0) * 1.25, (warn or 0) * 1.25, 1.0) if v])
    plot_w = width - 20

    def x(hours: float) -> float:
        return 10 + plot_w * min(hours, scale_max) / scale_max

    color = COLORS.get(status, COLORS["NONE"])
    parts = [
        f'<rect x="10" y="{top}" width="{plot_w}" height="{bar_h}" rx="4" fill="{COLORS["NONE"]}"/>',
        f'<rect x="10" y="{top}" width="{max(x(value) - 10, 4):.1f}" height="{bar_h}" rx="4" fill="{color}">'
        f"<title>{value:.1f} h since the last update</title></rect>",
    ]
    for mark, name, mark_color in ((warn, "warn", COLORS["WARN"]), (fail, "fail", COLORS["FAIL"])):
        if mark:
            parts.append(
                f'<line x1="{x(mark):.1f}" x2="{x(mark):.1f}" y1="{top - 4}" y2="{top + bar_h + 4}" '
                f'stroke="{mark_color}" stroke-width="2"><title>{name} after {mark:g} h</title></line>'
            )
            parts.append(_text(x(mark), top + bar_h + 16, f"{name} {mark:g} h", "middle"))
    return _svg(width, height, "freshness", parts)
