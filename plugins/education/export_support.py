"""What every exporter shares: its error, and the explicit AI label it must carry over."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from aigc_core import AigcError


class ExportError(AigcError):
    """The output cannot be written in the requested format without losing or corrupting it."""


class ExplicitLabel(BaseModel):
    """The visible AI label the labels plugin leaves in ``result.metadata["ai_label"]``."""

    model_config = ConfigDict(extra="ignore")

    text: str = Field(min_length=1)
    position: Literal["start", "end"]

    @property
    def lines(self) -> list[str]:
        return [line.strip() for line in self.text.splitlines() if line.strip()]

    @property
    def one_line(self) -> str:
        return " ".join(self.lines)


def explicit_label(result: Any) -> ExplicitLabel | None:
    """The result's explicit label, or None when no label was put on it."""
    metadata = getattr(result, "metadata", None) or {}
    found = (metadata.get("ai_label") or {}).get("explicit")
    return ExplicitLabel.model_validate(found) if found else None


def place(body: list[str], label_lines: list[str], label: ExplicitLabel | None) -> list[str]:
    """``body`` with ``label_lines`` before or after it, as the label's position says."""
    if label is None:
        return body
    return [*label_lines, *body] if label.position == "start" else [*body, *label_lines]
