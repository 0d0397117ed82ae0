"""Checking that results still carry intact AI labels: the logic of ``aigc verify-label``.

Works on results as JSON (plain dicts), not on ``Result`` objects, so results written by other
versions or edited by hand are judged on what they contain.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from aigc_core.labelling import METADATA_KEY, SERIALIZERS, sha256

from .label import GB_FIELDS, GB_LABEL_VALUES, GB_REQUIRED

Status = Literal["ok", "fail", "skip"]

#: The JSON type each labelled part of a result must have before it can be hashed.
CONTENT_TYPES: dict[str, type] = {"text": str, "output": dict}

FINDERS: dict[str, Callable[[str, str], bool]] = {"start": str.startswith, "end": str.endswith}


@dataclass(frozen=True)
class Verdict:
    status: Status
    messages: tuple[str, ...]
    job_id: str | None = None


def documents(raw: str) -> Iterator[tuple[str, str]]:
    """``(where, json_text)`` for each result in a file: the whole file when it is one JSON
    object (``aigc generate --json``), else each non-blank line (a JSONL results file)."""
    try:
        whole = json.loads(raw)
    except json.JSONDecodeError:
        whole = None
    if isinstance(whole, dict):
        yield "result", raw
        return
    for number, line in enumerate(raw.splitlines(), start=1):
        if line.strip():
            yield f"line {number}", line


def verify_document(text: str) -> Verdict:
    try:
        result = json.loads(text)
    except json.JSONDecodeError as exc:
        return Verdict("fail", (f"not valid JSON ({exc.msg} at char {exc.pos}); "
                                "a torn or truncated line?",))
    return verify(result)


def verify(result: Any) -> Verdict:
    """Judge one result: its implicit label exists, names the GB 45438 fields, and its digest
    matches the content; a text result shows its explicit label where the label says."""
    if not (isinstance(result, dict) and {"job_id", "status"} <= result.keys()):
        return Verdict("fail", ("not an aigc result (a JSON object with job_id and status)",))
    job_id = str(result["job_id"])
    if result["status"] != "succeeded":
        return Verdict("skip", ("the job failed; it has no output, so nothing was labelled",),
                       job_id)
    metadata = result.get("metadata")
    label = metadata.get(METADATA_KEY) if isinstance(metadata, dict) else None
    if not (isinstance(label, dict) and isinstance(label.get("implicit"), dict)):
        return Verdict("fail", (f"no implicit AI label (metadata.{METADATA_KEY}.implicit is "
                                "missing): was it labelled, or was the label stripped?",), job_id)
    problems = [problem for check in CHECKS for problem in check(result, label)]
    if problems:
        return Verdict("fail", tuple(problems), job_id)
    implicit, edited = label["implicit"], label.get("edited")
    by = (f"; edited by {edited.get('by')} in revision {edited.get('revision')}"
          if isinstance(edited, dict) else "")
    return Verdict("ok", (f"AI label intact ({implicit['sha256_of']}, sha256 "
                          f"{implicit['sha256'][:12]}…, producer {implicit['ContentProducer']}"
                          f"{by})",), job_id)


def _gb_fields(result: dict[str, Any], label: dict[str, Any]) -> list[str]:
    implicit = label["implicit"]
    problems = []
    missing = [name for name in GB_FIELDS if not isinstance(implicit.get(name), str)]
    if missing:
        problems.append(f"implicit label lacks GB 45438 field(s): {', '.join(missing)}")
    empty = [name for name in GB_REQUIRED if implicit.get(name) == ""]
    if empty:
        problems.append(f"GB 45438 field(s) must not be empty: {', '.join(empty)}")
    if "Label" not in missing and implicit["Label"] not in GB_LABEL_VALUES:
        problems.append(f"Label is {implicit['Label']!r}; GB 45438 allows "
                        + ", ".join(f"{k!r} ({v})" for k, v in GB_LABEL_VALUES.items()))
    if "ProduceID" not in missing and implicit["ProduceID"] != result["job_id"]:
        problems.append(f"ProduceID {implicit['ProduceID']!r} is not this result's job_id "
                        f"{result['job_id']!r}")
    if not implicit.get("digitalSourceType"):
        problems.append("implicit label lacks the IPTC digitalSourceType")
    return problems


def _integrity(result: dict[str, Any], label: dict[str, Any]) -> list[str]:
    implicit = label["implicit"]
    content = implicit.get("sha256_of")
    if content not in SERIALIZERS:
        return [f"implicit label's sha256_of must be one of {', '.join(SERIALIZERS)}, "
                f"not {content!r}"]
    value = result.get(content)
    if not isinstance(value, CONTENT_TYPES[content]):
        return [f"the label covers the result's {content}, which is missing or not a "
                f"{CONTENT_TYPES[content].__name__}"]
    problems = []
    recorded = implicit.get("sha256")
    if implicit.get("ReservedCode1") != f"sha256:{recorded}":
        problems.append("ReservedCode1 does not hold the label's digest as 'sha256:<sha256>'")
    actual = sha256(content, value)
    edited = label.get("edited")
    if isinstance(edited, dict) and edited.get("sha256"):
        # A reviewer's edit: the label's own digest stays the model's output's, and the
        # edit records the digest of what was approved.
        if edited["sha256"] != actual:
            problems.append(f"{content} was modified after its edit by {edited.get('by')} "
                            f"(revision {edited.get('revision')}): sha256 mismatch (edit "
                            f"{str(edited['sha256'])[:12]}…, content {actual[:12]}…)")
    elif recorded != actual:
        problems.append(f"{content} was modified after labelling: sha256 mismatch "
                        f"(label {str(recorded)[:12]}…, content {actual[:12]}…)")
    return problems


def _explicit(result: dict[str, Any], label: dict[str, Any]) -> list[str]:
    explicit = label.get("explicit")
    if not (isinstance(explicit, dict) and isinstance(explicit.get("text"), str)
            and explicit["text"] and explicit.get("position") in FINDERS):
        return [f"no explicit AI label (metadata.{METADATA_KEY}.explicit needs a text and a "
                f"position, one of {', '.join(FINDERS)})"]
    text = result.get("text")
    if result.get("output") is None and not (
        isinstance(text, str) and FINDERS[explicit["position"]](text, explicit["text"])
    ):
        return [f"the visible label {explicit['text']!r} is not at the {explicit['position']} "
                "of the text"]
    return []


CHECKS: tuple[Callable[[dict[str, Any], dict[str, Any]], list[str]], ...] = (
    _gb_fields, _integrity, _explicit,
)
