"""Does llama.cpp accept a JSON schema as a grammar, and which answers does that grammar allow?

A schema llama.cpp cannot convert does not fail when a plugin is imported: the grammar is
dropped or the first job fails at decode time. ``assert_grammar`` converts a schema the way the
embedded backend does (llama-cpp-python's ``json_schema_to_gbnf``) and parses the grammar with
llama.cpp itself, against the embedded model's vocabulary alone (a fraction of a second to load,
once per process). It needs ``aigc[local]``.
"""

from __future__ import annotations

import atexit
import ctypes
import functools
import json
from collections.abc import Iterable
from typing import Any


def assert_grammar(schema: dict[str, Any], *, accepts: Iterable[str] = (),
                   rejects: Iterable[str] = ()) -> None:
    """Fail, showing the grammar, unless llama.cpp parses ``schema`` as a grammar that allows
    every JSON text in ``accepts`` and none in ``rejects``.

    >>> from aigc_core import schemas
    >>> assert_grammar(schemas.obj(stars=schemas.integer(1, 5)),
    ...                accepts=['{"stars": 5}'], rejects=['{"stars": 6}', '{"stars": 0}'])
    """
    import llama_cpp
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    gbnf = json_schema_to_gbnf(json.dumps(schema))
    sampler = llama_cpp.llama_sampler_init_grammar(_vocab(), gbnf.encode(), b"root")
    if not sampler:  # NULL: llama.cpp logged why on stderr
        raise AssertionError(f"llama.cpp cannot parse the grammar of this schema:\n{gbnf}")
    llama_cpp.llama_sampler_free(sampler)
    # Raised, not asserted: this runs in plugin authors' code, maybe under python -O.
    for text in accepts:
        if not _allows(gbnf, text):
            raise AssertionError(f"the grammar refuses {text!r}:\n{gbnf}")
    for text in rejects:
        if _allows(gbnf, text):
            raise AssertionError(f"the grammar allows {text!r}:\n{gbnf}")


@functools.cache
def _vocab() -> Any:
    import llama_cpp

    from ..backends.local import embedded_model_path

    params = llama_cpp.llama_model_default_params()
    params.vocab_only = True
    model = llama_cpp.llama_model_load_from_file(str(embedded_model_path()).encode(), params)
    if not model:
        raise RuntimeError(f"llama.cpp could not load {embedded_model_path()}")
    atexit.register(llama_cpp.llama_model_free, model)
    return llama_cpp.llama_model_get_vocab(model)


def _allows(gbnf: str, text: str) -> bool:
    """Whether the grammar lets a model write exactly ``text``: each of its tokens in turn, then
    the end of the answer."""
    import llama_cpp

    vocab = _vocab()
    encoded = text.encode()
    room = len(encoded) + 8
    tokens = (llama_cpp.llama_token * room)()
    count = llama_cpp.llama_tokenize(vocab, encoded, len(encoded), tokens, room, False, False)
    if count < 0:
        raise AssertionError(f"cannot tokenize {text!r}")
    sampler = llama_cpp.llama_sampler_init_grammar(vocab, gbnf.encode(), b"root")
    try:
        for token in tokens[:count]:
            if not _allowed(sampler, token):
                return False
            llama_cpp.llama_sampler_accept(sampler, token)
        return _allowed(sampler, llama_cpp.llama_vocab_eos(vocab))
    finally:
        llama_cpp.llama_sampler_free(sampler)


def _allowed(sampler: Any, token: int) -> bool:
    # One candidate, not the whole vocabulary: the sampler masks what the grammar forbids.
    import llama_cpp

    candidate = (llama_cpp.llama_token_data * 1)(llama_cpp.llama_token_data(token, 0.0, 0.0))
    candidates = llama_cpp.llama_token_data_array(candidate, 1, -1, False)
    llama_cpp.llama_sampler_apply(sampler, ctypes.byref(candidates))
    return candidate[0].logit != float("-inf")
