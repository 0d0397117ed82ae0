"""Built-in model backends, registered through the same ``register_backends`` hook plugins use."""

from ..hookspecs import hookimpl
from . import local, openai_backend, transformers_backend


@hookimpl
def register_backends(register):
    openai_backend.register(register)
    local.register(register)
    transformers_backend.register(register)
