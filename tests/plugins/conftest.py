"""Shared by the plugin tests: does llama.cpp accept a generator's output schema as a grammar?

A pattern llama.cpp cannot convert does not fail at decode time: the grammar is dropped or the
call fails on the first job. These fixtures parse grammars the way llama.cpp does before it
decodes, against the embedded model's vocabulary alone (a fraction of a second to load).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest


@pytest.fixture(scope="session")
def llama_vocab() -> Iterator[Any]:
    llama_cpp = pytest.importorskip("llama_cpp")
    from aigc_core.backends.local import embedded_model_path

    params = llama_cpp.llama_model_default_params()
    params.vocab_only = True
    model = llama_cpp.llama_model_load_from_file(str(embedded_model_path()).encode(), params)
    try:
        yield llama_cpp.llama_model_get_vocab(model)
    finally:
        llama_cpp.llama_model_free(model)


@pytest.fixture
def assert_grammar(llama_vocab: Any) -> Callable[[dict[str, Any]], None]:
    """``assert_grammar(schema)``: fails naming the grammar when llama.cpp rejects it."""
    import llama_cpp
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    def check(schema: dict[str, Any]) -> None:
        gbnf = json_schema_to_gbnf(json.dumps(schema))
        sampler = llama_cpp.llama_sampler_init_grammar(llama_vocab, gbnf.encode(), b"root")
        assert sampler, gbnf  # NULL: llama.cpp could not parse it
        llama_cpp.llama_sampler_free(sampler)

    return check
