"""Putting the explicit (visible) and implicit (machine-readable) AI labels on a result.

Both go to ``result.metadata["ai_label"]`` through ``aigc_core.labelling``, the contract its
readers use too; a text result also gets the visible label in its text. A structured output
is left untouched so it still validates against its schema: its exporters show the label from
the metadata.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from pydantic import BaseModel

from aigc_core import Result, labelling

from .settings import LabelSettings

#: IPTC Digital Source Type for content made by a trained model (as in C2PA and XMP).
IPTC_TRAINED_ALGORITHMIC_MEDIA = (
    "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
)

#: The fields of the GB 45438-2025 implicit label (its "AIGC" metadata object), in its order.
GB_FIELDS = ("Label", "ContentProducer", "ProduceID", "ReservedCode1", "ContentPropagator",
             "PropagateID", "ReservedCode2")
#: Those a producer must fill; the propagator fields stay empty until someone publishes it.
GB_REQUIRED = ("Label", "ContentProducer", "ProduceID", "ReservedCode1")
#: GB 45438 ``Label`` values.
GB_LABEL_VALUES = {"1": "AI-generated", "2": "possibly AI-generated",
                   "3": "suspected AI-generated"}
AI_GENERATED = "1"

#: Input fields that name the language of the output; a translation's output is in its target.
LANGUAGE_FIELDS = ("target_language", "language")


def language_of(data: BaseModel) -> str | None:
    """The output language a job's validated input names, if any."""
    for name in LANGUAGE_FIELDS:
        value = getattr(data, name, None)
        value = getattr(value, "value", value)  # an Enum member
        if isinstance(value, str) and value.strip():
            return value
    return None


def apply(result: Result, settings: LabelSettings, language: str | None) -> None:
    """Label a succeeded result in place."""
    explicit = settings.explicit_for(language)
    content: labelling.Content = "output" if result.output is not None else "text"
    if content == "text":
        result.text = labelling.embed(result.text or "", explicit)
    digest = labelling.sha256(content, result.output if content == "output" else result.text)
    labelling.attach(result, explicit.model_copy(update={"embedded": content == "text"}),
                     implicit_label(result, settings, content, digest))


def remove(text: str, explicit: dict[str, Any]) -> str:
    """The text as generated, from a text labelled with ``explicit`` (its metadata entry): for
    re-checking a text result against its generator's limits, which the label is not part of."""
    return labelling.unembed(text, labelling.ExplicitLabel.model_validate(explicit))


def implicit_label(result: Result, settings: LabelSettings, content: labelling.Content,
                   digest: str) -> dict[str, Any]:
    provenance = result.provenance
    finished = provenance.finished_at or datetime.now(timezone.utc)
    return {
        "Label": AI_GENERATED,
        "ContentProducer": settings.content_producer,
        "ProduceID": result.job_id,
        # GB 45438 reserves ReservedCode1 for the producer's own use (such as protecting the
        # label): it carries the integrity digest, prefixed with its algorithm.
        "ReservedCode1": f"sha256:{digest}",
        "ContentPropagator": settings.content_propagator,
        "PropagateID": result.job_id if settings.content_propagator else "",
        "ReservedCode2": "",
        "digitalSourceType": IPTC_TRAINED_ALGORITHMIC_MEDIA,
        "generator": provenance.generator,
        "model": provenance.model_id or provenance.model,
        "time": finished.isoformat(),
        "sha256": digest,
        "sha256_of": content,
    }
