"""The console's pages: log in and out, the review queue, a job, and decisions on it.

Every page is rendered here from templates/ with autoescaping on, and sent with a
Content-Security-Policy that allows only this site's own script and style sheet: no inline
script, no inline style, so an output that smuggles markup in stays inert text even where a
template would fail to escape it. Every form carries a CSRF token; the session cookie is
HttpOnly and SameSite=Strict besides.
"""

from __future__ import annotations

import json
import logging
import secrets
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool

from aigc_core.errors import AigcError, InvalidInput
from aigc_core.jobs import Job, utcnow
from aigc_core.labelling import explicit_label, unembed
from aigc_core.ledger import Filters, JobRecord
from aigc_core.problems import from_validation_error
from aigc_core.review.desk import published
from aigc_core.review.models import OPEN_STATES, Decision

from ..errors import ApiError
from ..history import decode_cursor, encode_cursor
from ..service import Gateway
from . import passwords
from .dashboard import dashboard
from .preview import preview, width
from .schema_form import form_fields, form_input
from .sessions import COOKIE, Session, Sessions

log = logging.getLogger(__name__)

router = APIRouter(prefix="/ui", include_in_schema=False)

#: Sent with every page. 'self' only: the console's own console.css and console.js.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
#: The login form's CSRF token, before there is a session to hold one (double submit).
LOGIN_COOKIE = "aigc_login"
PAGE = 25
QUEUE_STATES = ("awaiting_review", "unreviewed", "approved", "rejected")

_TEMPLATES = Environment(loader=PackageLoader("aigc_gateway.console", "templates"),
                         autoescape=select_autoescape(default=True, default_for_string=True),
                         trim_blocks=True, lstrip_blocks=True)
_TEMPLATES.filters["width"] = width
_TEMPLATES.filters["pretty"] = lambda value: json.dumps(value, indent=2, ensure_ascii=False,
                                                        default=str)
_DECISION = TypeAdapter(Decision)


class Console:
    """What the pages share: the gateway, and logins."""

    def __init__(self, gateway: Gateway):
        self.gateway = gateway
        settings = gateway.settings
        self.secure_cookie = settings.console_secure_cookie
        self.sessions = Sessions(gateway.client.redis, gateway.client.app.queue_settings.prefix,
                                 settings.console_session_hours)


def _console(request: Request) -> Console:
    return request.app.state.console


def _page(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = _TEMPLATES.get_template(template).render(**context)
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


def _redirect(to: str) -> RedirectResponse:
    return RedirectResponse(to, status_code=303, headers=SECURITY_HEADERS)


async def _form(request: Request) -> dict[str, str]:
    """An urlencoded form's fields (the only kind these pages send); the last of repeats."""
    body = (await request.body()).decode("utf-8", "replace")
    return {name: values[-1] for name, values in parse_qs(body, keep_blank_values=True).items()}


def _session(request: Request) -> Session | None:
    return _console(request).sessions.find(request.cookies.get(COOKIE))


def _login_first(request: Request) -> RedirectResponse:
    return _redirect(f"/ui/login?next={quote(request.url.path)}")


_NOT_OURS = "The form did not come from this console (CSRF check)."


def _refused(session: Session, message: str) -> HTMLResponse:
    return _page("error.html", 403, session=session, title="Refused", message=message)


async def _posted(request: Request, verb: str) -> tuple[Session, dict[str, str]] | Response:
    """The session and form of a POST that would ``verb`` (decide, submit), or the page
    refusing it: no login, a form from elsewhere (CSRF), or a role that may not."""
    session = _session(request)
    if session is None:
        return _login_first(request)
    form = await _form(request)
    if not session.csrf_ok(form.get("csrf")):
        return _refused(session, _NOT_OURS)
    if not session.may_decide():
        return _refused(session, f"{session.user} is a {session.role}: only reviewers and "
                                 f"admins {verb}.")
    return session, form


# -- logging in and out -----------------------------------------------------------------------
@router.get("/login")
async def login_page(request: Request, next: str = "/ui/") -> Response:
    return _login_form(request, next)


def _login_form(request: Request, next_page: str, error: str = "", status: int = 200,
                name: str = "") -> Response:
    token = secrets.token_urlsafe(32)
    response = _page("login.html", status, csrf=token, next=_local(next_page), error=error,
                     name=name)
    response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict", path="/ui",
                        secure=_console(request).secure_cookie)
    return response


def _local(path: str) -> str:
    """Only a path on this console is a place to go after logging in (no open redirect)."""
    return path if path.startswith("/ui/") and not path.startswith("/ui//") else "/ui/"


@router.post("/login")
async def login(request: Request) -> Response:
    form = await _form(request)
    sent, kept = form.get("csrf", ""), request.cookies.get(LOGIN_COOKIE, "")
    if not kept or not secrets.compare_digest(sent, kept):
        return _login_form(request, form.get("next", "/ui/"), status=403,
                           error="The form had expired. Log in again.")
    name, password = form.get("name", ""), form.get("password", "")
    console = _console(request)
    user = await run_in_threadpool(
        lambda: console.gateway.history.read(lambda ledger: ledger.user(name)))
    if not passwords.verify(user.password_hash if user else None, password):
        return _login_form(request, form.get("next", "/ui/"), status=401, name=name,
                           error="Wrong name or password.")
    assert user is not None
    token = console.sessions.open(user.name, user.role)
    response = _redirect(_local(form.get("next", "/ui/")))
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", path="/ui",
                        secure=console.secure_cookie)
    response.delete_cookie(LOGIN_COOKIE, path="/ui")
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    session = _session(request)
    form = await _form(request)
    if session is not None and not session.csrf_ok(form.get("csrf")):
        return _refused(session, _NOT_OURS)
    _console(request).sessions.close(request.cookies.get(COOKIE))
    response = _redirect("/ui/login")
    response.delete_cookie(COOKIE, path="/ui")
    return response


# -- the queue --------------------------------------------------------------------------------
@router.get("/")
async def queue(request: Request, state: str = "awaiting_review", generator: str = "",
                model: str = "", q: str = "", since: str = "", until: str = "",
                cursor: str = "") -> Response:
    session = _session(request)
    if session is None:
        return _login_first(request)
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
    gateway = _console(request).gateway
    entries = await run_in_threadpool(gateway.history.read, lambda ledger: ledger.list(filters))
    more = len(entries) == PAGE
    return _page("queue.html", session=session, entries=entries, state=state,
                 states=QUEUE_STATES, generator=generator, model=model, q=q,
                 since=first.date().isoformat() if first else "",
                 until=last.date().isoformat() if last else "",
                 next_cursor=encode_cursor(entries[-1]) if entries and more else None)


@router.get("/dashboard")
async def dashboard_page(request: Request, days: int = 14) -> Response:
    session = _session(request)
    if session is None:
        return _login_first(request)
    days = max(1, min(days, 90))
    gateway = _console(request).gateway
    today = utcnow().date()
    since = datetime.combine(today - timedelta(days=days - 1), time(), tzinfo=timezone.utc)
    stats = await run_in_threadpool(gateway.history.read, lambda ledger: ledger.stats(since))
    queues = await run_in_threadpool(gateway.queue_lengths)
    return _page("dashboard.html", session=session,
                 board=dashboard(stats, today, days, queues))


@router.get("/submit")
async def submit_page(request: Request, generator: str = "") -> Response:
    session = _session(request)
    if session is None:
        return _login_first(request)
    return _submit_form(request, session, generator)


def _submit_form(request: Request, session: Session, name: str, status: int = 200,
                 form: dict[str, str] | None = None, error: str = "",
                 problems: list[Any] | None = None) -> Response:
    engine = _console(request).gateway.client.engine
    generators = sorted(engine.generators.values(), key=lambda g: g.generator.name)
    chosen = engine.generators.get(name)
    generator = chosen.generator if chosen else None
    models = list(engine.settings.models)
    return _page(
        "submit.html", status, session=session,
        generators=[g.generator for g in generators], generator=generator, models=models,
        model=(form or {}).get("model") or (models[0] if models else "default"),
        fields=form_fields(generator.input_model.model_json_schema(), form)
        if generator else [], error=error, problems=problems or [])


@router.post("/submit")
async def submit(request: Request) -> Response:
    posted = await _posted(request, "submit")
    if isinstance(posted, Response):
        return posted
    session, form = posted
    gateway = _console(request).gateway
    name = form.get("generator", "")
    registered = gateway.client.engine.generators.get(name)
    if registered is None:
        return _submit_form(request, session, "", 404, error=f"No generator {name!r}.")
    data, problems = form_input(
        form_fields(registered.generator.input_model.model_json_schema()), form)
    job = None
    if not problems:
        try:
            job = Job(generator=name, model=form.get("model", "default"), input=data)
            gateway.client.engine.validate(job)
        except InvalidInput as exc:
            problems = [p.model_copy(update={"field": f"input.{p.field}".rstrip(".")})
                        for p in exc.problems]
        except ValidationError as exc:
            problems = from_validation_error(exc.errors())
    if problems or job is None:
        return _submit_form(request, session, name, 422, form, problems=problems,
                            error="The job was not submitted: fix the fields below.")
    job_id = await run_in_threadpool(gateway.submit_as, session.user, job)
    return _redirect(f"/ui/jobs/{quote(job_id)}")


@router.get("/next")
async def next_job(request: Request, after: str = "") -> Response:
    """The newest job awaiting review other than ``after``: the reviewer's next one."""
    session = _session(request)
    if session is None:
        return _login_first(request)
    gateway = _console(request).gateway
    entries = await run_in_threadpool(gateway.history.read, lambda ledger: ledger.list(
        Filters(review="awaiting_review", limit=2)))
    following = [entry.job_id for entry in entries if entry.job_id != after]
    return _redirect(f"/ui/jobs/{quote(following[0])}" if following else "/ui/")


def _day(value: str) -> datetime | None:
    """A date field's day (UTC midnight); None when blank or not a date."""
    try:
        return datetime.combine(date.fromisoformat(value), time(), tzinfo=timezone.utc)
    except ValueError:
        return None


# -- a job ------------------------------------------------------------------------------------
@router.get("/jobs/{job_id}")
async def job_page(request: Request, job_id: str, decided: str = "") -> Response:
    session = _session(request)
    if session is None:
        return _login_first(request)
    return await _job(request, session, job_id, notice=decided)


async def _job(request: Request, session: Session, job_id: str, status: int = 200,
               notice: str = "", error: str = "", problems: list[Any] | None = None,
               draft: str | None = None, reason: str = "") -> Response:
    gateway = _console(request).gateway
    record: JobRecord | None = await run_in_threadpool(
        gateway.history.read, lambda ledger: ledger.show(job_id))
    if record is None:
        status_now = await run_in_threadpool(gateway.client.status, job_id)
        if status_now.state == "unknown":
            return _page("error.html", 404, session=session, title="No such job",
                         message=f"The ledger has no job {job_id}.")
        return _page("pending.html", session=session, job=status_now)
    result, review = record.result, record.review
    current = published(result, review) if result and review and review.revision else result
    shown = current or result
    label = explicit_label(shown) if shown else None
    open_review = review is not None and review.state in OPEN_STATES
    structured = shown is not None and shown.output is not None
    if draft is None and shown is not None:
        draft = (json.dumps(shown.output, indent=2, ensure_ascii=False) if structured
                 else _unlabelled(shown.text or "", label))
    return _page(
        "job.html", status, session=session, record=record, result=result, review=review,
        shown=shown, label=label, labels=(shown.metadata.get("ai_label") if shown else None),
        preview=preview(record.job.generator, record.job.input,
                        shown.output if shown else None, shown.text if shown else None,
                        _output_schema(gateway, record)),
        may_decide=session.may_decide() and open_review and result is not None,
        open_review=open_review, structured=structured, draft=draft, reason=reason,
        notice=notice, error=error, problems=problems or [])


def _output_schema(gateway: Gateway, record: JobRecord) -> dict[str, Any] | None:
    """The output schema the generator gives this job (its limits for this input; for a
    chunked generator, its first chunk's), or None when the generator is not installed here
    or the job's input no longer validates (an older job)."""
    engine = gateway.client.engine
    registered = engine.generators.get(record.job.generator)
    if registered is None:
        return None
    generator = registered.generator
    try:
        data = engine.validate(record.job)
    except (AigcError, ValidationError):
        return None
    try:
        return generator.json_schema(generator.chunking.split(data)[0] if generator.chunking
                                     else data)
    except Exception:
        log.warning("no output schema for job %s (%s); shown without limits",
                    record.job.id, record.job.generator, exc_info=True)
        return None


def _unlabelled(text: str, label: Any) -> str:
    """The text a reviewer edits: without its embedded label, which an edit keeps."""
    return unembed(text, label) if label is not None and label.embedded else text


@router.post("/jobs/{job_id}/review")
async def review(request: Request, job_id: str) -> Response:
    posted = await _posted(request, "decide")
    if isinstance(posted, Response):
        return posted
    session, form = posted
    draft = form.get("output")
    try:
        decision = _DECISION.validate_python(_decision_fields(form))
    except (ValidationError, ValueError) as exc:
        problems = (from_validation_error(exc.errors()) if isinstance(exc, ValidationError)
                    else [])
        return await _job(request, session, job_id, 422, draft=draft, problems=problems,
                          error=str(exc) if not problems else "The decision is incomplete.")
    gateway = _console(request).gateway
    try:
        await run_in_threadpool(gateway.reviews.decide_by, session.user, job_id, decision)
    except ApiError as exc:
        return await _job(request, session, job_id, exc.status_code, draft=draft,
                          reason=form.get("reason", ""), problems=exc.problems,
                          error=f"Your {decision.decision} was not recorded: {exc.detail}")
    return _redirect(f"/ui/jobs/{quote(job_id)}?decided={decision.decision}")


def _decision_fields(form: dict[str, str]) -> dict[str, Any]:
    """The form as a Decision's fields: blanks left out, an edited structured output parsed
    (the textarea holds its JSON)."""
    fields: dict[str, Any] = {"decision": form.get("decision", ""),
                              "version": form.get("version", "")}
    if form.get("reason", "").strip():
        fields["reason"] = form["reason"].strip()
    if fields["decision"] == "edit":
        output = form.get("output", "")
        if form.get("structured") == "1":
            try:
                output = json.loads(output)
            except json.JSONDecodeError as exc:
                raise ValueError(f"The output is not valid JSON: {exc.msg} at line "
                                 f"{exc.lineno}, column {exc.colno}.") from None
        fields["output"] = output
    return fields
