"""The integrity digest of a labelled result, shared by the labelling hook and the verifier so
both serialise the content byte for byte the same way.

* ``text`` results: the exact labelled text, UTF-8 encoded.
* ``output`` (structured) results: canonical JSON of the output: keys sorted, no whitespace,
  non-ASCII characters kept as UTF-8 (``json.dumps(..., sort_keys=True, separators=(",", ":"),
  ensure_ascii=False)``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any, Literal

#: Which part of a result the digest covers, as recorded in the implicit label's ``sha256_of``.
Content = Literal["text", "output"]


def _text_bytes(text: str) -> bytes:
    return text.encode("utf-8")


def _output_bytes(output: dict[str, Any]) -> bytes:
    return json.dumps(output, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


SERIALIZERS: dict[str, Callable[[Any], bytes]] = {"text": _text_bytes, "output": _output_bytes}


def sha256(content: Content, value: Any) -> str:
    """Hex SHA-256 of ``value`` (the result's text or output) in its canonical form."""
    return hashlib.sha256(SERIALIZERS[content](value)).hexdigest()
