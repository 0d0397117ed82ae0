"""The dashboard's numbers: per generator and model, jobs and success rates over the last
days; per day, a stacked bar chart (drawn as SVG in the page: no script, nothing to fetch);
reviews by state with the approval rate; and how many messages wait in each model's queue."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from aigc_core.ledger.stats import Stats

#: Pixels of the chart's tallest bar.
CHART_HEIGHT = 120


@dataclass
class Line:
    generator: str
    model: str
    succeeded: int = 0
    failed: int = 0
    unfinished: int = 0

    @property
    def total(self) -> int:
        return self.succeeded + self.failed + self.unfinished

    @property
    def success_rate(self) -> float | None:
        done = self.succeeded + self.failed
        return self.succeeded / done if done else None


@dataclass
class Bar:
    day: date
    succeeded: int
    failed: int
    unfinished: int
    #: Heights in pixels, bottom to top: succeeded, failed, unfinished.
    heights: tuple[int, int, int] = (0, 0, 0)


@dataclass
class Dashboard:
    lines: list[Line]
    bars: list[Bar]
    reviews: dict[str, int]
    queues: dict[str, int]
    days: int
    chart_height: int = CHART_HEIGHT
    totals: Line = field(default_factory=lambda: Line("all", "all"))

    @property
    def approval_rate(self) -> float | None:
        decided = self.reviews.get("approved", 0) + self.reviews.get("rejected", 0)
        return self.reviews.get("approved", 0) / decided if decided else None


def dashboard(stats: Stats, today: date, days: int, queues: dict[str, int]) -> Dashboard:
    lines: dict[tuple[str, str], Line] = {}
    per_day = {today - timedelta(days=back): [0, 0, 0] for back in range(days - 1, -1, -1)}
    totals = Line("all", "all")
    for count in stats.days:
        line = lines.setdefault((count.generator, count.model),
                                Line(count.generator, count.model))
        for target in (line, totals):
            target.succeeded += count.succeeded
            target.failed += count.failed
            target.unfinished += count.unfinished
        if count.day in per_day:
            day = per_day[count.day]
            day[0] += count.succeeded
            day[1] += count.failed
            day[2] += count.unfinished
    tallest = max((sum(values) for values in per_day.values()), default=0) or 1
    bars = [Bar(day, *values, heights=tuple(  # type: ignore[arg-type]
                round(value * CHART_HEIGHT / tallest) for value in values))
            for day, values in per_day.items()]
    return Dashboard(lines=sorted(lines.values(), key=lambda line: -line.total), bars=bars,
                     reviews=stats.reviews, queues=queues, days=days, totals=totals)
