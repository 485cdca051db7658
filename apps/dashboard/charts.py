"""Charts as server-rendered SVG: no JavaScript, no CDN, readable by screen readers.

Each chart is an `<svg role="img">` labelled by its own <title> and <desc>; every bar has
a <title> (a tooltip and a spoken label) with its exact figures, and the page shows the
same numbers in a table. All text is escaped; the markup is built only from numbers and
escaped strings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import count

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

_ids = count(1)

WIDTH = 720
HEIGHT = 260
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 40
GRIDLINES = 4
PRIMARY = "#4a7ede"
# Attributes (not CSS classes) so the chart looks the same wherever the SVG is shown.
_TEXT = mark_safe('font-size="11" fill="#616161" font-family="inherit"')  # noqa: S308


@dataclass(frozen=True)
class Series:
    name: str
    colour: str  # a fill, e.g. "#29845a" (also told apart by order and legend)


@dataclass(frozen=True)
class Column:
    label: str  # shown under the bar (may be "" to skip a crowded label)
    title: str  # the full label used in tooltips
    values: tuple[int, ...]  # one per series, stacked bottom-up


def _n(value: float) -> str:
    """A coordinate with one decimal (format_html escapes its arguments into strings)."""
    return f"{value:.1f}"


def nice_ceiling(value: float) -> int:
    """The smallest 1, 2 or 5 x 10^n at or above `value` (at least 1): round axis maxima."""
    if value <= 1:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return int(step * magnitude)
    return int(10 * magnitude)  # pragma: no cover - the loop always returns


def _svg(title: str, desc: str, body: list[str], *, height: int = HEIGHT) -> SafeString:
    uid = next(_ids)
    head = format_html(
        '<svg class="chart" viewBox="0 0 {w} {h}" width="100%" role="img" '
        'aria-labelledby="chart-{u}-title chart-{u}-desc" preserveAspectRatio="xMidYMid meet">'
        '<title id="chart-{u}-title">{t}</title><desc id="chart-{u}-desc">{d}</desc>',
        w=WIDTH,
        h=height,
        u=uid,
        t=title,
        d=desc,
    )
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308 - parts escaped above


def _axis(maximum: int, plot_h: int) -> list[str]:
    parts: list[str] = []
    for step in range(GRIDLINES + 1):
        value = maximum * step / GRIDLINES
        y = TOP + plot_h - plot_h * step / GRIDLINES
        label = f"{value:g}" if value != int(value) else str(int(value))
        parts.append(
            format_html(
                '<line stroke="#e3e3e3" x1="{}" x2="{}" y1="{}" y2="{}"></line>'
                '<text {} x="{}" y="{}" text-anchor="end">{}</text>',
                LEFT,
                WIDTH - RIGHT,
                _n(y),
                _n(y),
                _TEXT,
                LEFT - 6,
                _n(y + 4),
                label,
            )
        )
    return parts


def stacked_bars(
    columns: list[Column], series: list[Series], *, title: str, desc: str
) -> SafeString:
    """Vertical bars, one per column, its series stacked; a legend underneath."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    # Whole-number gridlines: the axis top is a round step times the number of gridlines.
    maximum = nice_ceiling(max((sum(c.values) for c in columns), default=0) / GRIDLINES) * GRIDLINES
    slot = plot_w / max(len(columns), 1)
    bar = max(1.0, slot * 0.7)
    body = _axis(maximum, plot_h)
    for index, column in enumerate(columns):
        x = LEFT + index * slot + (slot - bar) / 2
        body.extend(_stack(column, series, x, bar, maximum, plot_h))
        if column.label:
            body.append(
                format_html(
                    '<text {} x="{}" y="{}" text-anchor="middle">{}</text>',
                    _TEXT,
                    _n(x + bar / 2),
                    HEIGHT - BOTTOM + 16,
                    column.label,
                )
            )
    body.append(_legend(series, HEIGHT - 8))
    return _svg(title, desc, body)


def _stack(
    column: Column, series: list[Series], x: float, width: float, maximum: int, plot_h: int
) -> list[str]:
    parts: list[str] = []
    base = float(TOP + plot_h)
    for value, one in zip(column.values, series, strict=True):
        if value <= 0:
            continue
        height = plot_h * value / maximum
        base -= height
        parts.append(
            format_html(
                '<rect fill="{}" x="{}" y="{}" width="{}" height="{}">'
                "<title>{}: {} {}</title></rect>",
                one.colour,
                _n(x),
                _n(base),
                _n(width),
                _n(height),
                column.title,
                value,
                one.name.lower(),
            )
        )
    return parts


def _legend(series: list[Series], y: int) -> str:
    parts = []
    x = LEFT
    for one in series:
        parts.append(
            format_html(
                '<rect fill="{}" x="{}" y="{}" width="10" height="10"></rect>'
                '<text {} x="{}" y="{}">{}</text>',
                one.colour,
                x,
                y - 9,
                _TEXT,
                x + 14,
                y,
                one.name,
            )
        )
        x += 24 + 7 * len(one.name)
    return "".join(parts)


def horizontal_bars(items: list[tuple[str, int]], *, title: str, desc: str) -> SafeString:
    """One labelled horizontal bar per item, its value at the end."""
    row, label_w = 28, 190
    height = TOP + row * max(len(items), 1) + 8
    maximum = nice_ceiling(max((value for _, value in items), default=0))
    plot_w = WIDTH - label_w - RIGHT - 48
    body: list[str] = []
    for index, (label, value) in enumerate(items):
        y = TOP + index * row
        width = plot_w * value / maximum
        body.append(
            format_html(
                '<text {} x="{}" y="{}" text-anchor="end">{}</text>'
                '<rect fill="{}" x="{}" y="{}" width="{}" height="18">'
                "<title>{}: {}</title></rect>"
                '<text {} x="{}" y="{}">{}</text>',
                _TEXT,
                label_w - 8,
                y + 14,
                label,
                PRIMARY,
                label_w,
                y,
                _n(max(width, 1.0)),
                label,
                value,
                _TEXT,
                _n(label_w + width + 6),
                y + 14,
                value,
            )
        )
    return _svg(title, desc, body, height=height)
