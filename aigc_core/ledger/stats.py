"""Counts for the review console's dashboard: jobs per day by generator, model and outcome
over a window, and reviews by state. One grouped query each over one table (a job's state
is on its row), served by the indexes on ``created_at`` and ``reviews.state``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, case, func, select

from . import schema

_jobs, _reviews = schema.jobs, schema.reviews


class DayCount(BaseModel):
    day: date
    generator: str
    model: str
    succeeded: int
    failed: int
    unfinished: int


class Stats(BaseModel):
    since: datetime
    days: list[DayCount]
    reviews: dict[str, int]


def _day(value: Any) -> date:
    # SQLite's date() gives text; PostgreSQL's a date.
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def stats(connection: Connection, since: datetime) -> Stats:
    day = func.date(_jobs.c.created_at).label("day")
    counts = {name: func.sum(case((_jobs.c.state == name, 1), else_=0)).label(name)
              for name in ("succeeded", "failed", "unfinished")}
    rows = connection.execute(
        select(day, _jobs.c.generator, _jobs.c.model, *counts.values())
        .where(_jobs.c.created_at >= since)
        .group_by(day, _jobs.c.generator, _jobs.c.model)
        .order_by(day, _jobs.c.generator, _jobs.c.model)).mappings()
    days = [DayCount(day=_day(row["day"]), generator=row["generator"], model=row["model"],
                     succeeded=row["succeeded"] or 0, failed=row["failed"] or 0,
                     unfinished=row["unfinished"] or 0) for row in rows]
    reviews = {state: count for state, count in connection.execute(
        select(_reviews.c.state, func.count()).group_by(_reviews.c.state))}
    return Stats(since=since, days=days, reviews=reviews)
