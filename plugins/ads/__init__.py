"""The ads plugin: the ``ads.copy`` generator."""

from aigc_core import hookimpl

from .adcopy import COPY


@hookimpl
def register_generators(register):
    register(COPY)
