"""Submitting a job from a form made from its generator's input schema."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from aigc_core.errors import InvalidInput
from aigc_core.jobs import Job
from aigc_core.problems import from_validation_error

from .schema_form import form_fields, form_input
from .sessions import Session
from .web import console_of, login_first, page, posted, redirect, session_of

router = APIRouter(prefix="/ui", include_in_schema=False)


@router.get("/submit")
async def submit_page(request: Request, generator: str = "") -> Response:
    session = session_of(request)
    if session is None:
        return login_first(request)
    return _submit_form(request, session, generator)


def _submit_form(request: Request, session: Session, name: str, status: int = 200,
                 form: dict[str, str] | None = None, error: str = "",
                 problems: list[Any] | None = None) -> Response:
    engine = console_of(request).gateway.client.engine
    generators = sorted(engine.generators.values(), key=lambda g: g.generator.name)
    chosen = engine.generators.get(name)
    generator = chosen.generator if chosen else None
    models = list(engine.settings.models)
    return page(
        "submit.html", status, session=session,
        generators=[g.generator for g in generators], generator=generator, models=models,
        model=(form or {}).get("model") or (models[0] if models else "default"),
        fields=form_fields(generator.input_model.model_json_schema(), form)
        if generator else [], error=error, problems=problems or [])


@router.post("/submit")
async def submit(request: Request) -> Response:
    answer = await posted(request, "submit")
    if isinstance(answer, Response):
        return answer
    session, form = answer
    gateway = console_of(request).gateway
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
    return redirect(f"/ui/jobs/{quote(job_id)}")
