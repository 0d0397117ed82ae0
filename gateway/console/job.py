"""A job's page, and the decisions posted from its forms."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool

from aigc_core.errors import AigcError
from aigc_core.labelling import explicit_label, unembed
from aigc_core.ledger import JobRecord
from aigc_core.problems import from_validation_error
from aigc_core.review.desk import published
from aigc_core.review.models import OPEN_STATES, Decision

from ..errors import ApiError
from ..service import Gateway
from .preview import preview
from .sessions import Session
from .web import console_of, login_first, page, posted, redirect, session_of

log = logging.getLogger(__name__)

router = APIRouter(prefix="/ui", include_in_schema=False)
_DECISION = TypeAdapter(Decision)


@router.get("/jobs/{job_id}")
async def job_page(request: Request, job_id: str, decided: str = "") -> Response:
    session = session_of(request)
    if session is None:
        return login_first(request)
    return await _job(request, session, job_id, notice=decided)


async def _job(request: Request, session: Session, job_id: str, status: int = 200,
               notice: str = "", error: str = "", problems: list[Any] | None = None,
               draft: str | None = None, reason: str = "") -> Response:
    gateway = console_of(request).gateway
    record: JobRecord | None = await run_in_threadpool(
        gateway.history.read, lambda ledger: ledger.show(job_id))
    if record is None:
        status_now = await run_in_threadpool(gateway.client.status, job_id)
        if status_now.state == "unknown":
            return page("error.html", 404, session=session, title="No such job",
                         message=f"The ledger has no job {job_id}.")
        return page("pending.html", session=session, job=status_now)
    result, review = record.result, record.review
    current = published(result, review) if result and review and review.revision else result
    shown = current or result
    label = explicit_label(shown) if shown else None
    open_review = review is not None and review.state in OPEN_STATES
    structured = shown is not None and shown.output is not None
    if draft is None and shown is not None:
        draft = (json.dumps(shown.output, indent=2, ensure_ascii=False) if structured
                 else _unlabelled(shown.text or "", label))
    return page(
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
    answer = await posted(request, "decide")
    if isinstance(answer, Response):
        return answer
    session, form = answer
    draft = form.get("output")
    try:
        decision = _DECISION.validate_python(_decision_fields(form))
    except (ValidationError, ValueError) as exc:
        problems = (from_validation_error(exc.errors()) if isinstance(exc, ValidationError)
                    else [])
        return await _job(request, session, job_id, 422, draft=draft, problems=problems,
                          error=str(exc) if not problems else "The decision is incomplete.")
    gateway = console_of(request).gateway
    try:
        await run_in_threadpool(gateway.reviews.decide_by, session.user, job_id, decision)
    except ApiError as exc:
        return await _job(request, session, job_id, exc.status_code, draft=draft,
                          reason=form.get("reason", ""), problems=exc.problems,
                          error=f"Your {decision.decision} was not recorded: {exc.detail}")
    return redirect(f"/ui/jobs/{quote(job_id)}?decided={decision.decision}")


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
