"""The ``[review]`` settings: which jobs wait for a person before they count as done.

    [review]
    default = "off"
    generators = { "news.*" = "required", "ads.*" = "optional" }
    models = { "experimental" = "required" }
    api_keys = { "newsroom" = "required" }
    failed = true            # failed runs of required jobs go to review too

A job's mode is the strictest that any rule gives it (required > optional > off), resolved
when it is submitted (``mode_for``) and kept with the job, so a fleet whose members were
configured apart still treats one job one way.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

#: required: the run ends ``awaiting_review`` and only an approval publishes it; optional:
#: the run ends as usual and a reviewer may still approve, edit or reject it; off: no review.
ReviewMode = Literal["required", "optional", "off"]

_STRICTNESS: dict[ReviewMode, int] = {"off": 0, "optional": 1, "required": 2}


class ReviewSettings(BaseModel):
    """``[review]`` in aigc.toml.

    >>> ReviewSettings(generators={"news.*": "required"}).mode_for("news.article", "default")
    'required'
    """

    model_config = ConfigDict(extra="forbid")

    default: ReviewMode = Field("off", description="The mode of jobs no rule names.")
    generators: dict[str, ReviewMode] = Field(
        default_factory=dict, description="Generator name or shell pattern -> mode.")
    models: dict[str, ReviewMode] = Field(
        default_factory=dict, description="Model name or shell pattern -> mode.")
    api_keys: dict[str, ReviewMode] = Field(
        default_factory=dict, description="Gateway API key name -> mode of what it submits.")
    failed: bool = Field(
        False, description="A failed run of a job under required review waits for a person "
                           "too (who may fix a near miss by editing it), instead of failing.")

    def mode_for(self, generator: str, model: str, submitter: str | None = None) -> ReviewMode:
        """The strictest mode any rule gives a job."""
        modes: list[ReviewMode] = [self.default]
        modes += [mode for pattern, mode in self.generators.items()
                  if fnmatchcase(generator, pattern)]
        modes += [mode for pattern, mode in self.models.items() if fnmatchcase(model, pattern)]
        if submitter is not None and submitter in self.api_keys:
            modes.append(self.api_keys[submitter])
        return max(modes, key=_STRICTNESS.__getitem__)
