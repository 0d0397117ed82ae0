"""The plugin API of aigc. Each hook's docstring is its reference documentation.

A plugin is a module whose functions are named after these hooks and marked with ``hookimpl``;
it implements the hooks it needs and no others:

    from aigc_core import Problem, hookimpl

    @hookimpl
    def validate_output(context, output):
        return [Problem(message="do not mention competitors")] if "Acme" in str(output) else []

Four hooks add what a plugin offers (``register_generators``, ``register_backends``,
``register_commands``, ``register_eval_runners``). Four run for each job and receive
``context``, the engine's working state for that job (``aigc_core.JobContext``):

- ``context.job``: the ``Job`` (``id``, ``generator``, ``input`` as a dict, ``model``,
  ``options``, ``metadata``).
- ``context.data``: the job's input validated by the generator's ``input_model``, an instance
  of it.
- ``context.generator``: the ``Generator`` that runs the job.
- ``context.plugin``: the name of the plugin that registered that generator.
- ``context.settings``: the engine's configuration (``aigc_core.config.Settings``).
- ``context.messages``: the chat messages for the model, ``[Message(role, content), ...]``.
- ``context.plugin_settings(name)``: the ``[plugin_settings.NAME]`` table of the
  configuration, ``{}`` when absent.

The job hooks run in this order:

1. ``prepare_job(context)``: once, before any template renders.
2. ``prepare_messages(context)``: once per model conversation (once per part of a chunked
   generator), before the first call.
3. ``validate_output(context, output)``: after each answer that parses.
4. ``after_generation(context, result)``: once, last, for failed results too.

``aigc generate --dry-run`` (``Engine.render``) runs the first two and calls no model. A job
that fails before it has a context (an unknown generator or model, an invalid input) runs
none of them.
"""

from pluggy import HookimplMarker, HookspecMarker

hookspec = HookspecMarker("aigc")
hookimpl = HookimplMarker("aigc")


@hookspec
def register_generators(register):
    """Add generators: call ``register(Generator(...))`` once for each.

    Called once per engine, when it loads the plugins. A generator name registered by several
    plugins is left out (with an error naming them) until all but one are disabled; with
    ``strict_plugins`` it is fatal.

    >>> @hookimpl
    ... def register_generators(register):
    ...     register(Generator(name="recipes.card", description="A recipe card.",
    ...                        input_model=RecipeInput, output_model=Card,
    ...                        prompt="recipes/card.j2", templates_from=__name__))
    """


@hookspec
def register_backends(register):
    """Add model backend kinds: call ``register(kind, factory)``.

    ``factory(config: ModelConfig) -> Backend`` is called once per configured model whose
    ``backend`` setting equals ``kind``, when the model is first used. A backend has ``kind``,
    ``model_id`` and a thread-safe ``complete(CompletionRequest) -> Completion`` (see
    ``aigc_core.backends.base``). Registering a kind that is taken is an error.

    >>> @hookimpl
    ... def register_backends(register):
    ...     register("mycloud", MyCloudBackend)   # [models.default] backend = "mycloud"
    """


@hookspec
def prepare_job(context):
    """Inspect, rewrite or refuse a job before its prompt is rendered (input policy, PII
    redaction). Runs once per job, and for ``aigc generate --dry-run`` too, so it must not
    assume a model call follows.

    ``context.job`` is the job and ``context.data`` its validated input; ``context.messages``
    is still empty. Replace ``context.job`` to change the job: the engine validates the new
    input again and sets ``context.data`` from it. Raise ``JobRejected(reason, problems)`` to
    refuse the job: it fails with ``error.kind == "rejected"`` and those problems.

    >>> @hookimpl
    ... def prepare_job(context):
    ...     text = context.job.input.get("text", "")
    ...     if "@" in text:
    ...         redacted = {**context.job.input, "text": EMAIL.sub("[email]", text)}
    ...         context.job = context.job.model_copy(update={"input": redacted})
    """


@hookspec
def prepare_messages(context):
    """Inspect or rewrite the chat messages about to be sent to the model.

    ``context.messages`` holds the rendered templates: ``Message(role="system", ...)`` first if
    the generator has a system template, then ``Message(role="user", ...)``. Change them in
    place or assign a new list. Runs once per part for a chunked generator (``context.data``
    is still the whole job's input), and for ``aigc generate --dry-run``; repair turns, which
    append the answer and its problems to these messages, do not run it again.

    >>> @hookimpl
    ... def prepare_messages(context):
    ...     tone = context.plugin_settings("house_style").get("tone", "plain")
    ...     context.messages[0].content += f"\\nWrite in a {tone} tone."
    """


@hookspec
def validate_output(context, output):
    """Check a parsed answer; return a list of ``Problem`` (empty or None when fine).

    ``output`` is an instance of the generator's ``output_model`` (after its ``finalize``), or
    ``str`` for text generators; do not change it. Runs after the generator's own validators,
    for every answer that parses, including repairs; for a chunked generator once per part and
    once more for the joined output (``context.data`` is always the whole job's input, and
    ``context.messages`` the first attempt's messages). Problems are fed back to the model in
    the repair loop; those left after the last attempt fail the job
    (``error.kind == "validation"``).

    >>> @hookimpl
    ... def validate_output(context, output):
    ...     banned = context.plugin_settings("brand").get("banned", [])
    ...     return [Problem(message=f"do not mention {word}")
    ...             for word in banned if word in str(output)]
    """


@hookspec
def after_generation(context, result):
    """Post-process a finished ``Result`` in place: labels, metrics, provenance enrichment.

    Runs once per job, last, for failed results too: check ``result.status``. ``context`` is
    as the other hooks left it: ``context.job`` as ``prepare_job`` left it, ``context.messages``
    those of the last model conversation (empty when the job failed before rendering).

    ``result.output`` is the structured output as a plain dict (``None`` for text generators
    and failures), ``result.text`` the text, ``result.problems`` and ``result.error`` why it
    failed, and ``result.provenance`` the templates, model, options, usage, timings, attempts
    and ``rejected_answers``. An exception raised here fails the result
    (``error.kind == "plugin"``), so an output that a post-processor could not handle (say,
    label) is never returned as a success. Not run by ``aigc generate --dry-run``.

    >>> @hookimpl
    ... def after_generation(context, result):
    ...     result.metadata["reviewed"] = False
    """


@hookspec
def register_commands(cli):
    """Add subcommands to the ``aigc`` command line: ``cli.add_command(click_command)``
    (``cli`` is a click group of the plugin's own; ``@cli.command()`` works too).

    Called when a command line needs the plugins' commands (``aigc --help``, or a command the
    core does not have), once, for the plugins that command line's settings load (``-c FILE``).
    A command gets the engine of those settings with ``@click.pass_obj``: ``obj.engine``. A
    plugin whose hook raises loses its commands, with one warning; the others keep theirs.
    """


@hookspec
def register_eval_runners(register):
    """Offer a way to run ``aigc eval``'s jobs elsewhere than in the command's process:
    ``register(name, factory)``, chosen with ``aigc eval --runner NAME`` (``--queue`` is
    ``--runner queue``: the worker fleet, registered by aigc's workers package in
    ``aigc_workers.eval_runner``).

    ``factory(settings)`` returns a runner, ``runner(work, progress)``: ``work`` is every job
    of the eval as ``(variant, job)`` pairs, all at once, so that they can run in parallel; it
    calls ``progress(n)`` as ``n`` more jobs finish and returns one ``Result`` per job, in
    order (``None`` for a job cancelled before it finished). See
    ``aigc_core.evaluation.runner``.

    Looked up when ``aigc eval`` is asked for one, in command packages and in the plugins the
    command line's settings load; the first to register a name keeps it.

    >>> @hookimpl
    ... def register_eval_runners(register):
    ...     register("queue", queued)
    """
