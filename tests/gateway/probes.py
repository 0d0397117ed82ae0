"""Requests a job message cannot carry (issue 18): shared by test_bad_input.py and the
schemathesis run (schemathesis_probes.py).

Bodies are raw JSON text, to be sent as they are: a client's JSON serialiser cannot write a
lone surrogate, nor build a value nested deeper than Python recurses.
"""

from __future__ import annotations

import json
from typing import Any

from aigc_core.jobs import MAX_NESTING

#: JSON's escape for a lone surrogate: valid JSON syntax, but no UTF-8 text can hold it.
SURROGATE = "\\ud800"


def nested(levels: int) -> str:
    """JSON text of ``levels`` arrays, one inside the other."""
    return "[" * levels + "]" * levels


def raw(job: dict[str, Any], **fields: str) -> str:
    """``job`` as JSON text, with ``fields`` set to raw JSON text (names too: raw string
    contents)."""
    kept = json.dumps({name: value for name, value in job.items() if name not in fields})
    return kept[:-1] + "".join(f', "{name}": {text}' for name, text in fields.items()) + "}"


def bad_jobs(job: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Probe name -> (``job`` spoilt, as JSON text; the field its error names, "" for the
    job object itself)."""
    return {
        "surrogate in metadata": (raw(job, metadata=f'{{"note": "{SURROGATE}"}}'), "metadata"),
        "surrogate as a metadata key": (raw(job, metadata=f'{{"{SURROGATE}": 1}}'), "metadata"),
        "surrogate in input": (raw(job, input=f'{{"text": "hel{SURROGATE}lo"}}'), "input"),
        "surrogate in generator": (raw(job, generator=f'"{SURROGATE}"'), "generator"),
        "surrogate in options.stop": (
            raw(job, options=f'{{"stop": ["{SURROGATE}"]}}'), "options.stop"),
        # pydantic refuses the name itself, naming the object that holds it.
        "surrogate as the name of a field": (raw(job, **{SURROGATE: "1"}), ""),
        "metadata one level too deep": (
            raw(job, metadata=f'{{"a": {nested(MAX_NESTING)}}}'), "metadata"),
        "metadata nested 255 levels": (raw(job, metadata=f'{{"a": {nested(254)}}}'), "metadata"),
        "metadata nested 990 levels": (raw(job, metadata=f'{{"a": {nested(989)}}}'), "metadata"),
        # Deeper than Python's JSON parser recurses: refused all the same, naming the field.
        "metadata nested 100,000 levels": (
            raw(job, metadata=f'{{"a": {nested(99_999)}}}'), "metadata"),
        "input nested 5,000 levels": (raw(job, input=f'{{"text": {nested(5_000)}}}'), "input"),
        "a job id of its own": (raw(job, id='"x\\r\\nforged log line"'), "id"),
    }


#: Job ids outside the id alphabet, as they go in a URL path (already percent-encoded).
BAD_PATH_IDS = ["x%0D%0Aforged", "-leading-dash", "has%20space", "x" * 129, "caf%C3%A9"]
