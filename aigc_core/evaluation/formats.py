"""How the report's numbers read, in the page and on the command line alike.

>>> percent(0.4), seconds(1234.0), rate_text(3, 4, 0.3, 0.95)
('40.0%', '1.23 s', '3/4 = 75.0% [30.0%, 95.0%]')
"""

from __future__ import annotations


def percent(value: float) -> str:
    return f"{100 * value:.1f}%"


def count(value: float) -> str:
    return f"{value:g}"


def seconds(value_ms: float | None) -> str:
    return "—" if value_ms is None else f"{value_ms / 1000:.2f} s"


def rate_text(passed: int, total: int, low: float, high: float) -> str:
    """``passed`` of ``total`` with its interval; ``—`` for none run."""
    if not total:
        return "—"
    return f"{passed}/{total} = {percent(passed / total)} [{percent(low)}, {percent(high)}]"
