"""Small generators used by the core tests (plugins have their own tests)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from aigc_core import Generator, Problem
from aigc_core.checks import max_length
from aigc_core.gates import GateExemption


class TaglineInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    product: str = Field(min_length=1, max_length=200)
    audience: str = "everyone"
    count: int = Field(2, ge=1, le=5)


class Tagline(BaseModel):
    taglines: list[str] = Field(min_length=1, max_length=5)


def enough_taglines(output: Tagline, data: TaglineInput) -> list[Problem]:
    problems = []
    if len(output.taglines) != data.count:
        problems.append(Problem(field="taglines",
                                message=f"has {len(output.taglines)}; exactly {data.count} needed"))
    for i, line in enumerate(output.taglines):
        problems += max_length(f"taglines[{i}]", line, 60)
    return problems


TAGLINE = Generator(
    name="demo.tagline",
    description="Short taglines for a product.",
    input_model=TaglineInput,
    output_model=Tagline,
    system="demo/system.j2",
    prompt="demo/tagline.j2",
    template_sources={
        "demo/system.j2": "You write short marketing taglines.",
        "demo/tagline.j2": (
            "Write {{ count }} taglines for {{ product }}, aimed at {{ audience }}.\n"
            'Answer as JSON: {"taglines": ["...", "..."]}'
        ),
    },
    validators=(enough_taglines,),
    output_schema=lambda data: {
        "type": "object", "required": ["taglines"], "additionalProperties": False,
        "properties": {"taglines": {"type": "array", "minItems": data.count,
                                    "maxItems": data.count,
                                    "items": {"type": "string", "minLength": 3,
                                              "maxLength": 60}}},
    },
)


class EchoInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str


ECHO = Generator(
    name="demo.echo",
    description="Repeat a text (plain-text output).",
    input_model=EchoInput,
    prompt="demo/echo.j2",
    template_sources={"demo/echo.j2": "Repeat exactly: {{ text }}"},
    # Its tests' model servers answer with the prompt: repeating it is this generator's job.
    gate_exemptions=(GateExemption("prompt_echo", "*", "an echo repeats its prompt"),),
)


# The config of the test plugin's echo backend (tests' ``hello_plugin``), which answers with
# the prompt itself: the prompt echo gate would fail every job.
ECHO_MODEL = '[models.default]\nbackend = "echo"\n[gates]\noff = ["prompt_echo"]\n'
