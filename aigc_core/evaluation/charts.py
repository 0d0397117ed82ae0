"""Inline SVG charts for the HTML report: no script, no font or stylesheet to fetch.

One kind of chart serves every figure of the report: labelled horizontal bars, each with an
optional interval drawn as a whisker (a rate's 95% interval).

>>> from aigc_core.evaluation.formats import percent
>>> svg = bar_chart([Bar("default", 0.4, low=0.23, high=0.59)], maximum=1.0, fmt=percent)
>>> svg.startswith("<svg")
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from .formats import count

LABEL_WIDTH = 220
BAR_WIDTH = 360
VALUE_WIDTH = 150
ROW_HEIGHT = 24
_COLOURS = ("#3b6ea5", "#c1693c", "#5a9a5a", "#8a5aa5", "#a59a3b", "#3ba5a0")


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    low: float | None = None
    high: float | None = None
    series: int = 0  # the colour: bars of one variant share it across charts


def bar_chart(bars: Sequence[Bar], maximum: float | None = None,
              fmt: Callable[[float], str] = count, title: str = "") -> str:
    """Bars scaled to ``maximum`` (default: the largest value or interval end)."""
    if not bars:
        return ""
    top = maximum or max(max(b.value, b.high or 0.0) for b in bars) or 1.0
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    height = ROW_HEIGHT * len(bars) + 8
    rows = [_row(index, bar, top, fmt) for index, bar in enumerate(bars)]
    label = f' aria-label="{escape(title)}"' if title else ""
    return (f'<svg class="chart" role="img"{label} width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}">{"".join(rows)}</svg>')


def _row(index: int, bar: Bar, top: float, fmt: Callable[[float], str]) -> str:
    y = 4 + index * ROW_HEIGHT
    mid = y + ROW_HEIGHT / 2 - 2

    def x(value: float) -> float:
        return LABEL_WIDTH + BAR_WIDTH * max(0.0, min(value, top)) / top

    shown = fmt(bar.value)
    parts = [
        f'<text x="{LABEL_WIDTH - 6}" y="{mid + 4}" text-anchor="end">'
        f"{escape(_clip(bar.label))}</text>",
        f'<rect x="{LABEL_WIDTH}" y="{y + 2}" width="{x(bar.value) - LABEL_WIDTH:.1f}" '
        f'height="{ROW_HEIGHT - 8}" fill="{_COLOURS[bar.series % len(_COLOURS)]}"/>',
    ]
    if bar.low is not None and bar.high is not None:
        parts.append(f'<path d="M{x(bar.low):.1f} {mid}H{x(bar.high):.1f}'
                     f'M{x(bar.low):.1f} {mid - 5}v10M{x(bar.high):.1f} {mid - 5}v10" '
                     'stroke="#222" fill="none"/>')
        shown += f" [{fmt(bar.low)}, {fmt(bar.high)}]"
    parts.append(f'<text x="{LABEL_WIDTH + BAR_WIDTH + 6}" y="{mid + 4}">{escape(shown)}</text>')
    return "".join(parts)


def _clip(label: str, most: int = 34) -> str:
    return label if len(label) <= most else label[: most - 1] + "…"
