"""The plugin API of aigc. Each hook's docstring is its reference documentation."""

from pluggy import HookimplMarker, HookspecMarker

hookspec = HookspecMarker("aigc")
hookimpl = HookimplMarker("aigc")


@hookspec
def register_generators(register):
    """Add generators: call ``register(Generator(...))`` once for each.

    A name may be registered by one plugin only; a second registration is an error.
    """


@hookspec
def register_backends(register):
    """Add model backend kinds: call ``register(kind, factory)``.

    ``factory(config: ModelConfig) -> Backend`` is called once per configured model whose
    ``backend`` setting equals ``kind``.
    """


@hookspec
def prepare_job(context):
    """Inspect or rewrite a validated job before its prompt is rendered (input policy, PII
    redaction). Replace ``context.job`` to change it; raise ``JobRejected`` to refuse it."""


@hookspec
def prepare_messages(context):
    """Inspect or rewrite ``context.messages``, the chat messages about to be sent to the model."""


@hookspec
def validate_output(context, output):
    """Check a parsed output (a pydantic model, or ``str`` for text generators).

    Return a list of ``Problem`` (empty or None when fine). Problems are fed back to the model
    in the repair loop; those left after the last attempt fail the job.
    """


@hookspec
def after_generation(context, result):
    """Post-process a finished ``Result`` in place: labels, metrics, provenance enrichment.
    Called for failed results too; check ``result.status``."""


@hookspec
def register_commands(cli):
    """Add subcommands to the ``aigc`` command line: ``cli.add_command(click_command)``."""
