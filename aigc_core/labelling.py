"""The AI-label contract: what a labelled result carries, and where its visible label goes.

The labelling plugin (``labels``) writes ``result.metadata["ai_label"]`` through ``attach``;
the CLI and every exporter read it back through ``explicit_label`` and put the visible label
around what they write with ``place``. Nobody else spells the metadata key or its fields, so
the writer and its readers cannot drift apart.

    result.metadata["ai_label"] = {
        "explicit": {"text": "[AI-generated]", "position": "start", "language": "en",
                     "embedded": True, "separator": "\\n\\n"},
        "implicit": {...},            # the labelling plugin's machine-readable fields
    }
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import AigcError

#: Where ``result.metadata`` holds the labels.
METADATA_KEY = "ai_label"
#: The plugin that labels results. An ``enable_plugins`` list does not turn it off: only
#: ``disable_plugins`` naming it does (see ``plugins.load_plugins``).
LABELLING_PLUGIN = "labels"
#: Put between an embedded label and the text when the operator sets nothing else.
SEPARATOR = "\n\n"

Position = Literal["start", "end"]
T = TypeVar("T")
#: Which part of a result an integrity digest covers (the implicit label's ``sha256_of``).
Content = Literal["text", "output"]


def _text_bytes(text: str) -> bytes:
    return text.encode("utf-8")


def _output_bytes(output: dict[str, Any]) -> bytes:
    return json.dumps(output, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


#: How each part of a result is serialised for its digest, byte for byte the same for the
#: labeller, an edit and the verifier: a text as UTF-8; an output as canonical JSON (keys
#: sorted, no whitespace, non-ASCII kept as UTF-8).
SERIALIZERS: dict[str, Callable[[Any], bytes]] = {"text": _text_bytes, "output": _output_bytes}


def sha256(content: Content, value: Any) -> str:
    """Hex SHA-256 of ``value`` (the result's text or output) in its canonical form."""
    return hashlib.sha256(SERIALIZERS[content](value)).hexdigest()


class ExplicitLabel(BaseModel):
    """The visible label of one result: ``metadata["ai_label"]["explicit"]``.

    ``embedded``: the label is already part of ``result.text`` (a text result), so a reader
    must not add it again; a structured output keeps its schema and leaves the label here for
    exporters to show. ``separator`` is what joins an embedded label to the text.
    """

    # Results written by other versions may carry more; readers need only these.
    model_config = ConfigDict(extra="ignore")

    text: str = Field(min_length=1)
    position: Position
    language: str | None = None
    embedded: bool = False
    separator: str = SEPARATOR

    @property
    def lines(self) -> list[str]:
        """The label's non-blank lines, stripped: for formats that label line by line."""
        return [line.strip() for line in self.text.splitlines() if line.strip()]

    @property
    def one_line(self) -> str:
        return " ".join(self.lines)


def attach(result: Any, explicit: ExplicitLabel, implicit: dict[str, Any]) -> None:
    """Record a result's labels in its metadata, where ``explicit_label`` finds them."""
    result.metadata[METADATA_KEY] = {"explicit": explicit.model_dump(), "implicit": implicit}


def record_edit(result: Any, editor: str, at: str, revision: int) -> None:
    """Note in a result's labels that a person edited it: the labels stay (an edited text is
    still AI-generated content), and ``edited`` says who changed it, when, in which revision,
    and the digest of the edited content (the implicit label's own digest stays the model's
    output's: the record of what was generated)."""
    labels = (getattr(result, "metadata", None) or {}).get(METADATA_KEY)
    if labels is None:
        return
    edited: dict[str, Any] = {"by": editor, "at": at, "revision": revision}
    content = (labels.get("implicit") or {}).get("sha256_of")
    if content in SERIALIZERS and getattr(result, content, None) is not None:
        edited["sha256"] = sha256(content, getattr(result, content))
    labels["edited"] = edited


def explicit_label(result: Any) -> ExplicitLabel | None:
    """The visible label of a ``Result`` (or anything with ``metadata``), or None when it was
    not labelled. A label that is there but malformed is an error: an export must not lose it
    silently."""
    metadata = getattr(result, "metadata", None) or {}
    found = (metadata.get(METADATA_KEY) or {}).get("explicit")
    if not found:
        return None
    try:
        return ExplicitLabel.model_validate(found)
    except ValidationError as exc:
        fields = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'explicit'}: {e['msg']}"
                           for e in exc.errors())
        raise AigcError(f"metadata.{METADATA_KEY}.explicit is malformed ({fields}); "
                        "the result cannot be shown with its AI label") from None


def place(body: Sequence[T], label_part: Sequence[T], label: ExplicitLabel | None,
          gap: Sequence[T] = ()) -> list[T]:
    """``body`` with ``label_part`` (the label as the format writes it) before or after it, as
    the label's position says, ``gap`` between them. ``body`` alone when there is no label or
    the label is already embedded in it."""
    if label is None or label.embedded:
        return list(body)
    if label.position == "start":
        return [*label_part, *gap, *body]
    return [*body, *gap, *label_part]


def embed(text: str, label: ExplicitLabel) -> str:
    """A text result with its visible label joined to it by the label's separator."""
    if label.position == "start":
        return f"{label.text}{label.separator}{text}"
    return f"{text}{label.separator}{label.text}"


def unembed(text: str, label: ExplicitLabel) -> str:
    """The text as generated, from a text that ``embed`` labelled with ``label``."""
    mark = embed("", label)  # the label and its separator, as embed added them
    return text.removeprefix(mark) if label.position == "start" else text.removesuffix(mark)
