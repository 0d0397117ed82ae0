"""The review queue, the reviewer's next job, and the dashboard."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from aigc_core.jobs import utcnow
from aigc_core.ledger import Filters

from ..errors import ApiError
from ..history import decode_cursor, encode_cursor
from .dashboard import dashboard
from .web import console_of, login_first, page, redirect, session_of

router = APIRouter(prefix="/ui", include_in_schema=False)
PAGE = 25
QUEUE_STATES = ("awaiting_review", "unreviewed", "approved", "rejected")


@router.get("/")
async def queue(request: Request, state: str = "awaiting_review", generator: str = "",
                model: str = "", q: str = "", since: str = "", until: str = "",
                cursor: str = "") -> Response:
    session = session_of(request)
    if session is None:
        return login_first(request)
    if state not in QUEUE_STATES:
        state = "awaiting_review"
    try:
        before = decode_cursor(cursor) if cursor else None
    except ApiError:
        before = None
    first, last = _day(since), _day(until)
    filters = Filters(review=state, generator=generator or None, model=model or None,
                      search=q or None, since=first,
                      until=last + timedelta(days=1) if last else None,  # the whole day
                      limit=PAGE, before=before)
    gateway = console_of(request).gateway
    entries = await run_in_threadpool(gateway.history.read, lambda ledger: ledger.list(filters))
    more = len(entries) == PAGE
    return page("queue.html", session=session, entries=entries, state=state,
                 states=QUEUE_STATES, generator=generator, model=model, q=q,
                 since=first.date().isoformat() if first else "",
                 until=last.date().isoformat() if last else "",
                 next_cursor=encode_cursor(entries[-1]) if entries and more else None)


@router.get("/dashboard")
async def dashboard_page(request: Request, days: int = 14) -> Response:
    session = session_of(request)
    if session is None:
        return login_first(request)
    days = max(1, min(days, 90))
    gateway = console_of(request).gateway
    today = utcnow().date()
    since = datetime.combine(today - timedelta(days=days - 1), time(), tzinfo=timezone.utc)
    stats = await run_in_threadpool(gateway.history.read, lambda ledger: ledger.stats(since))
    queues = await run_in_threadpool(gateway.queue_lengths)
    return page("dashboard.html", session=session,
                 board=dashboard(stats, today, days, queues))


@router.get("/next")
async def next_job(request: Request, after: str = "") -> Response:
    """The newest job awaiting review other than ``after``: the reviewer's next one."""
    session = session_of(request)
    if session is None:
        return login_first(request)
    gateway = console_of(request).gateway
    entries = await run_in_threadpool(gateway.history.read, lambda ledger: ledger.list(
        Filters(review="awaiting_review", limit=2)))
    following = [entry.job_id for entry in entries if entry.job_id != after]
    return redirect(f"/ui/jobs/{quote(following[0])}" if following else "/ui/")


def _day(value: str) -> datetime | None:
    """A date field's day (UTC midnight); None when blank or not a date."""
    try:
        return datetime.combine(date.fromisoformat(value), time(), tzinfo=timezone.utc)
    except ValueError:
        return None
