"""The generators benchmark jobs run, registered like any plugin (entry point ``bench``).

- ``bench.text``: the prompt goes to the model as is; the answer is the output. No repairs, no
  validators beyond the engine's own (non-empty answer), so a job costs what the queue and the
  engine cost and nothing a plugin adds.
- ``bench.digest``: a structured output of about 2 KB (a title, a summary, N entries) under a
  JSON schema tightened to N, checked by the kind of validators real plugins have: counts,
  lengths in display width, word counts, distinct items, nothing blank.

Workers find the plugin through ``fleet.plugin_site``, which writes the entry point into a
temporary directory, so the benchmarks never become part of the installed package.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from aigc_core import GenerationOptions, Generator, Problem, hookimpl
from aigc_core.checks import (
    count_between,
    display_width,
    distinct,
    max_length,
    not_blank,
    word_count,
)

SUMMARY_WORDS = 80


class TextInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prompt: str = Field(min_length=1, max_length=50_000, description="Sent to the model as is.")


class DigestInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prompt: str = Field(min_length=1, max_length=50_000, description="Sent to the model as is.")
    entries: int = Field(8, ge=1, le=12, description="Entries the digest must have.")


class Entry(BaseModel):
    name: str = Field(min_length=1, max_length=32, description="A short, distinct name.")
    text: str = Field(min_length=1, max_length=140, description="One sentence about it.")


class Digest(BaseModel):
    title: str = Field(min_length=1, max_length=80)
    summary: str = Field(min_length=1, max_length=300)
    entries: list[Entry] = Field(min_length=1, max_length=12)


def digest_schema(data: DigestInput) -> dict[str, Any]:
    """The output schema with the entry count fixed to the one asked for."""
    schema = Digest.model_json_schema()
    schema["properties"]["entries"].update(minItems=data.entries, maxItems=data.entries)
    return schema


def tidy(output: Digest, data: DigestInput) -> Digest:
    """Trim whitespace (what a finalize step typically does)."""
    return output.model_copy(update={
        "title": output.title.strip(), "summary": output.summary.strip(),
        "entries": [Entry(name=e.name.strip(), text=e.text.strip()) for e in output.entries],
    })


def check_digest(output: Digest, data: DigestInput) -> list[Problem]:
    problems = [
        *not_blank("title", output.title),
        *max_length("title", output.title, 80, display_width, "columns"),
        *max_length("summary", output.summary, SUMMARY_WORDS, word_count, "words"),
        *count_between("entries", output.entries, data.entries, data.entries),
        *distinct("entries.name", [e.name for e in output.entries]),
    ]
    for index, entry in enumerate(output.entries):
        problems += max_length(f"entries[{index}].text", entry.text, 140, display_width,
                               "columns")
    return problems


@hookimpl
def register_generators(register: Any) -> None:
    register(Generator(
        name="bench.text",
        description="Benchmark: the prompt as is; the answer as the output.",
        input_model=TextInput,
        prompt="bench/text.j2",
        template_sources={"bench/text.j2": "{{ prompt }}"},
        options=GenerationOptions(max_repairs=0),
    ))
    register(Generator(
        name="bench.digest",
        description="Benchmark: a structured digest of about 2 KB with typical validators.",
        input_model=DigestInput,
        output_model=Digest,
        output_schema=digest_schema,
        prompt="bench/digest.j2",
        template_sources={"bench/digest.j2": "{{ prompt }}"},
        options=GenerationOptions(max_repairs=0),
        finalize=tidy,
        validators=(check_digest,),
    ))
