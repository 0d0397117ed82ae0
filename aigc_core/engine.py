"""The engine: validates a job, renders its prompt, calls the model, validates and repairs.

>>> from aigc_core import Engine, Job
>>> engine = Engine.from_config()
>>> result = engine.run(Job(generator="news.headlines", input={"topic": "tides", "count": 3}))
>>> result.status, result.output
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

from pydantic import BaseModel, ValidationError

from . import deadline as deadlines
from . import gates, repair
from .backends.base import Backend, CompletionRequest, Message
from .config import Settings, load_settings
from .context import JobContext
from .errors import (
    AigcError,
    BackendError,
    ConfigError,
    DeadlineExceeded,
    InvalidInput,
    JobRejected,
    TemplateError,
    UnknownGenerator,
    UnknownModel,
)
from .generator import RegisteredGenerator
from .jobs import ErrorInfo, Job, Provenance, Result, TemplateRef, utcnow
from .ledger import cache
from .ledger.recorder import EngineLedger
from .options import ENGINE_DEFAULTS, GenerationOptions
from .plugins import PluginHost, aigc_version, load_plugins
from .problems import Problem, from_validation_error, prefixed
from .retry import RetryPolicy, call_with_retries
from .templates import TemplateStore

REPAIR_TEMPLATE = "aigc/repair.j2"

log = logging.getLogger(__name__)

#: Exceptions that end a job with a failed result, by the error kind they are reported as.
_FAILURE_KINDS: tuple[tuple[type[Exception], str], ...] = (
    (DeadlineExceeded, "timeout"),
    (InvalidInput, "invalid_input"),
    (JobRejected, "rejected"),
    (UnknownGenerator, "unknown_generator"),
    (UnknownModel, "unknown_model"),
    (TemplateError, "template"),
    (BackendError, "model"),
    (ConfigError, "config"),
)


class Engine:
    """Runs jobs. Thread-safe: one engine may serve many threads.

    ``plugins`` registers extra plugin modules by name (tests, embedding applications).
    ``backend_middleware(model_name, backend) -> backend`` wraps each backend once when it is
    created; workers use it for fleet-wide concurrency caps and circuit breakers. ``record``
    (default: ``ledger.log``) writes each job run here to the ledger.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        plugins: dict[str, ModuleType] | None = None,
        retry: RetryPolicy | None = None,
        backend_middleware: Callable[[str, Backend], Backend] | None = None,
        record: bool | None = None,
    ):
        self.settings = settings or load_settings()
        # Inline runs go to the ledger (``ledger.log``); workers pass record=False, their jobs
        # reach it through the queue's outbox.
        self.ledger = EngineLedger(self.settings.ledger,
                                   self.settings.ledger.log if record is None else record,
                                   self.settings.review)
        self.host: PluginHost = load_plugins(
            enable=self.settings.enable_plugins,
            disable=self.settings.disable_plugins,
            strict=self.settings.strict_plugins,
            extra=plugins,
        )
        self.templates = TemplateStore(self.settings.template_dirs)
        self.retry = retry or RetryPolicy()
        self._middleware = backend_middleware
        self._backends: dict[str, Backend] = {}
        self._backends_lock = threading.Lock()

    @classmethod
    def from_config(cls, path: str | None = None, **kwargs: Any) -> Engine:
        return cls(load_settings(path), **kwargs)

    # -- lookups -------------------------------------------------------------------------
    @property
    def generators(self) -> dict[str, RegisteredGenerator]:
        return self.host.generators

    def generator(self, name: str) -> RegisteredGenerator:
        try:
            return self.host.generators[name]
        except KeyError:
            raise self.host.unknown_generator(name) from None

    def backend(self, model: str) -> Backend:
        """The backend serving a configured model, created once and reused."""
        with self._backends_lock:
            if model not in self._backends:
                config = self.settings.models.get(model)
                if config is None:
                    raise UnknownModel(model, list(self.settings.models))
                factory = self.host.backends.get(config.backend)
                if factory is None:
                    raise ConfigError(
                        f"models.{model}.backend: unknown backend {config.backend!r}; "
                        f"installed: {', '.join(sorted(self.host.backends))}"
                    )
                backend = factory(config)
                if self._middleware is not None:
                    backend = self._middleware(model, backend)
                self._backends[model] = backend
            return self._backends[model]

    # -- validation ----------------------------------------------------------------------
    def validate(self, job: Job) -> BaseModel:
        """Check a job before it runs or is queued: generator, model, input, options.

        Raises ``InvalidInput`` naming each bad field, ``UnknownGenerator`` or ``UnknownModel``.
        """
        registered = self.generator(job.generator)
        if job.model not in self.settings.models:
            raise UnknownModel(job.model, list(self.settings.models))
        model = registered.generator.input_model
        problems = _unknown_fields(model, job.input)
        try:
            data = model.model_validate(job.input)
        except ValidationError as exc:
            reported = {p.field for p in problems}
            problems += [p for p in from_validation_error(exc.errors(), prefix="input")
                         if p.field not in reported]
        if problems:
            raise InvalidInput(job.generator, problems)
        return data

    def make_job(self, generator: str, input: dict[str, Any] | None = None, **fields: Any) -> Job:
        """Build and validate a job; raises ``InvalidInput`` for bad fields of the job itself."""
        try:
            job = Job(generator=generator, input=input or {}, **fields)
        except ValidationError as exc:
            raise InvalidInput(generator, from_validation_error(exc.errors())) from None
        self.validate(job)
        return job

    # -- running -------------------------------------------------------------------------
    def run(self, job: Job, *, deadline: deadlines.Deadline | None = None) -> Result:
        """Run one job to a result. Job-level failures come back as a failed ``Result`` with
        ``error`` and ``problems`` set, never as an exception.

        With a ``deadline`` the job stops itself when it passes (``error.kind = "timeout"``):
        rendering, model calls, retries and repairs all see the time left.
        """
        with deadlines.active(deadline):
            result = self._run(job, deadline)
        self.ledger.record(job, result)
        return result

    def _run(self, job: Job, deadline: deadlines.Deadline | None) -> Result:
        started = time.perf_counter()
        provenance = Provenance(
            generator=job.generator, plugin="", plugin_version="", model=job.model,
            aigc_version=aigc_version(),
        )
        result = Result(job_id=job.id, status="failed", provenance=provenance)
        context: JobContext | None = None
        try:
            registered = self.generator(job.generator)
            provenance.plugin = registered.plugin
            provenance.plugin_version = registered.plugin_version
            context = self._context(job)
            self._prepare(context)
            self._generate(context, result)
        except AigcError as exc:
            result.status = "failed"
            if isinstance(exc, BackendError) and deadline is not None and deadline.expired():
                exc = deadline.error()  # the call timed out because the job's time was up
            result.error = ErrorInfo(kind=_kind(exc), message=str(exc))
            result.problems = [*result.problems, *getattr(exc, "problems", [])]
        except Exception as exc:
            result.status = "failed"
            if deadline is not None and deadline.expired():
                # Whatever was raised after the deadline interrupted the job (the soft time
                # limit's signal, or the worker's watchdog): report the deadline, not a bug.
                result.error = ErrorInfo(kind="timeout", message=str(deadline.error()))
            else:  # a plugin's bug: report it on the job, keep the process alive
                log.exception("job %s failed inside %s", job.id, job.generator)
                result.error = ErrorInfo(kind="internal",
                                         message=f"{type(exc).__name__}: {exc}")
        provenance.timings.total_ms = (time.perf_counter() - started) * 1000.0
        provenance.finished_at = utcnow()
        if context is not None:
            self._after(context, result)
        return result

    def _prepare(self, context: JobContext) -> None:
        job = context.job
        self.host.pm.hook.prepare_job(context=context)
        if context.job is not job:  # a hook rewrote it: the new input must still be valid
            context.data = self.validate(context.job)

    def _generate(self, context: JobContext, result: Result) -> None:
        generator = context.generator
        model = context.job.model
        backend = self.backend(model)
        options = ENGINE_DEFAULTS.merged(
            self.settings.defaults, self.settings.models[model].options, generator.options,
            context.job.options,
        )
        prov = result.provenance
        prov.backend, prov.model_id, prov.options = backend.kind, backend.model_id, options
        if self._from_cache(context, result):
            return
        parts = self._parts(context)
        outputs: list[Any] = []
        for index, part in enumerate(parts):
            outcome = self._run_part(context, part, options, backend, result)
            if not outcome.ok:
                result.text = outcome.text
                result.problems = prefixed(outcome.problems,
                                           f"part[{index}]" if len(parts) > 1 else "")
                raise _ValidationFailed(outcome.attempts, f"part[{index}]" if len(parts) > 1
                                        else None, prov.attempts)
            outputs.append(outcome.output)
        output = (generator.chunking.join(context.data, outputs) if generator.chunking
                  else outputs[0])
        if generator.chunking:
            problems = self._check(context, context.data, output)
            if problems:
                result.problems = problems
                raise _ValidationFailed(prov.attempts)
        result.status = "succeeded"
        if isinstance(output, BaseModel):
            result.output = output.model_dump(mode="json")
        else:
            result.text = output

    def _from_cache(self, context: JobContext, result: Result) -> bool:
        """Key a deterministic job (cache.py); if it asks for the cache and an identical job
        succeeded before, take that job's result."""
        prov, generator, job = result.provenance, context.generator, context.job
        if not cache.deterministic(prov.options):
            return False
        templates = [self.templates.source(generator, name)[1]
                     for name in (generator.system, generator.prompt) if name]
        prov.cache_key = cache.cache_key(generator.name, prov.plugin_version, templates,
                                         job.input, prov.backend, prov.model_id, prov.options)
        if not cache.wanted(self.settings.ledger, generator.name, job.model, prov.options):
            return False
        earlier = self.ledger.cached(prov.cache_key)
        if earlier is None:
            return False
        result.status, result.output, result.text = "succeeded", earlier.output, earlier.text
        prov.templates, prov.cached_from = templates, earlier.job_id
        return True

    def check_output(self, job: Job, answer: dict[str, Any] | str
                     ) -> tuple[dict[str, Any] | str | None, list[Problem]]:
        """An output a person wrote for ``job`` (a review's edit), handled as a model's
        answer is: parsed into the generator's output model (unknown fields dropped), the
        generator's ``finalize`` applied (derived fields follow the edit), then checked by its
        validators, the ``validate_output`` hooks and the content gates (which compare with
        the job's rendered prompt). No model is called. Returns the output as a result holds
        it, and the problems (the output is None when it cannot be parsed).

        >>> engine.check_output(job, {"headlines": ["Night trams return to Northgate"]})
        ({'headlines': ['Night trams return to Northgate']}, [])
        """
        context = self._context(job)
        self._prepare(context)
        parts = self._parts(context)
        self._render(context, parts[0])
        generator = context.generator
        data = parts[0] if len(parts) == 1 else context.data
        text = answer if isinstance(answer, str) else json.dumps(answer, ensure_ascii=False)
        output, problems = repair.parse_output(text, generator.output_model)
        if problems:
            return None, problems
        if generator.finalize is not None:
            output = generator.finalize(output, data)
        problems = self._check(context, data, output)
        return (output.model_dump(mode="json") if isinstance(output, BaseModel) else output,
                problems)

    def render(self, job: Job) -> list[list[Message]]:
        """The messages a job would send, one list per part (chunked generators have several),
        without calling a model: ``aigc generate --dry-run``. Raises as ``validate`` does, and
        ``TemplateError`` for a template that does not render.

        >>> engine.render(engine.make_job("news.headlines", {"topic": "tides", "count": 3}))
        [[Message(role='system', content='You write news headlines...'), Message(...)]]
        """
        context = self._context(job)
        self._prepare(context)
        return [self._render(context, part)[0] for part in self._parts(context)]

    def _context(self, job: Job) -> JobContext:
        registered = self.generator(job.generator)
        return JobContext(job=job, generator=registered.generator, plugin=registered.plugin,
                          data=self.validate(job), settings=self.settings)

    @staticmethod
    def _parts(context: JobContext) -> list[BaseModel]:
        chunking = context.generator.chunking
        return chunking.split(context.data) if chunking else [context.data]

    def _render(self, context: JobContext, part: BaseModel
                ) -> tuple[list[Message], list[TemplateRef], dict[str, Any] | None]:
        """A part's messages (after the ``prepare_messages`` hook), templates and schema."""
        generator = context.generator
        schema = generator.json_schema(part)
        variables = {
            **part.model_dump(mode="json"),
            "aigc": {"generator": generator.name,
                     "output_schema": json.dumps(schema, ensure_ascii=False) if schema else ""},
        }
        messages = []
        refs = []
        for role, name in (("system", generator.system), ("user", generator.prompt)):
            if name:
                rendered = self.templates.render(generator, name, variables)
                messages.append(Message(role=role, content=rendered.text))
                refs.append(rendered.ref)
        context.messages = messages
        self.host.pm.hook.prepare_messages(context=context)
        return list(context.messages), refs, schema

    def _run_part(self, context: JobContext, part: BaseModel, options: GenerationOptions,
                  backend: Backend, result: Result) -> repair.LoopOutcome:
        generator = context.generator
        prov = result.provenance
        started = time.perf_counter()
        _, refs, schema = self._render(context, part)
        if not prov.templates:
            prov.templates = refs
        prov.timings.render_ms += (time.perf_counter() - started) * 1000.0

        def call(msgs: list[Message], opts: GenerationOptions):
            request = CompletionRequest(messages=msgs, options=opts, json_schema=schema,
                                        timeout=deadlines.remaining())
            return call_with_retries(lambda: backend.complete(request), self.retry)

        def repair_prompt(problems: list[Problem]) -> str:
            return self.templates.render(generator, REPAIR_TEMPLATE, {
                "problems": [str(p) for p in problems], "structured": schema is not None,
            }).text

        outcome = repair.run_loop(
            list(context.messages), options, generator.output_model, call,
            lambda output: self._check(context, part, output), repair_prompt,
            finalize=(lambda output: generator.finalize(output, part))
            if generator.finalize else None,
        )
        prov.attempts += outcome.attempts
        prov.rejected_answers += outcome.rejected
        prov.usage.add(outcome.usage)
        for stage in ("model_ms", "validate_ms", "repair_ms"):
            setattr(prov.timings, stage,
                    getattr(prov.timings, stage) + getattr(outcome.timings, stage))
        if outcome.model_id:
            prov.model_id = outcome.model_id
        return outcome

    def _check(self, context: JobContext, data: BaseModel, output: Any) -> list[Problem]:
        problems: list[Problem] = []
        for validator in context.generator.validators:
            problems.extend(validator(output, data) or [])
        for found in self.host.pm.hook.validate_output(context=context, output=output):
            problems.extend(found or [])
        return problems + self._gate(context, data, output)

    def _gate(self, context: JobContext, data: BaseModel, output: Any) -> list[Problem]:
        """The content gates (``aigc_core.gates``), on every prose field of the output."""
        generator = context.generator
        view = gates.GateView(
            fields=gates.prose_fields(output),
            prompt="\n".join(message.content for message in context.messages),
            input_texts=gates.strings(context.job.input),
            language=generator.language_of(data),
            settings=self.settings.gates,
            data=data,
        )
        return gates.run_gates(view, generator.gate_exemptions)

    def _after(self, context: JobContext, result: Result) -> None:
        try:
            self.host.pm.hook.after_generation(context=context, result=result)
        except Exception as exc:
            # A post-processor (e.g. the AI-content label) that fails must not let an
            # unprocessed output through as a success.
            result.status = "failed"
            result.error = ErrorInfo(
                kind="plugin", message=f"after_generation hook failed: {type(exc).__name__}: {exc}"
            )


class _ValidationFailed(AigcError):
    def __init__(self, attempts: int, part: str | None = None, total: int | None = None):
        if part is None:
            super().__init__(f"the output still had problems after {attempts} attempt(s)")
            return
        # A chunked job's attempts (provenance) count every part's; the message names the
        # part that failed, so that its count and the job's both add up.
        super().__init__(f"{part} still had problems after {attempts} attempt(s) "
                         f"({total} attempt(s) in all for the job's parts)")


def _unknown_fields(model: type[BaseModel], data: dict[str, Any]) -> list[Problem]:
    """Top-level keys the input model does not accept, with the accepted ones listed (pydantic
    would ignore a typo like ``tpoic`` silently, or report it without the alternatives)."""
    if model.model_config.get("extra") == "allow":
        return []
    known = set(model.model_fields) | {f.alias for f in model.model_fields.values() if f.alias}
    return [
        Problem(field=f"input.{key}", code="extra_forbidden",
                message=f"is not an input of this generator; accepted: {', '.join(sorted(known))}")
        for key in data if key not in known
    ]


def _kind(exc: Exception) -> Any:
    if isinstance(exc, _ValidationFailed):
        return "validation"
    for cls, kind in _FAILURE_KINDS:
        if isinstance(exc, cls):
            return kind
    return "internal"
