"""The result cache: a job that would do exactly what a recorded, succeeded job did gets that
job's result at once, without a model call (``provenance.cached_from`` names the job).

Opt-in, per generator and model in the config, or per job::

    [ledger]
    cache = ["news.headlines", "translation.*@default"]   # GENERATOR[@MODEL] patterns

    aigc generate news.headlines -p topic=tides -o cache=true      # this job only
    aigc generate news.headlines -p topic=tides -o cache=false     # never for this one

Only a deterministic job can be answered from the cache: one with a seed (the engine's default
seed is 0) or temperature 0. Its key (``cache_key``) hashes everything that decides the
output: the generator and its plugin's version, the sha256 of each template, the input (after
the ``prepare_job`` hook), the model's backend and id, and the options. The engine puts the key
in ``provenance.cache_key`` of every deterministic result, so results recorded while the cache
was off are found later too.
"""

from __future__ import annotations

import hashlib
import json
from fnmatch import fnmatchcase
from typing import Any

from ..jobs import TemplateRef
from ..options import GenerationOptions
from .settings import LedgerSettings


def deterministic(options: GenerationOptions) -> bool:
    return options.seed is not None or options.temperature == 0


def wanted(settings: LedgerSettings, generator: str, model: str,
           options: GenerationOptions) -> bool:
    """Whether this job asks for the cache: its own ``cache`` option, else the config."""
    if options.cache is not None:
        return options.cache
    for pattern in settings.cache:
        names, _, models = pattern.partition("@")
        if fnmatchcase(generator, names) and (not models or fnmatchcase(model, models)):
            return True
    return False


def cache_key(generator: str, plugin_version: str, templates: list[TemplateRef],
              job_input: dict[str, Any], backend: str, model_id: str,
              options: GenerationOptions) -> str:
    """The sha256 of what decides a deterministic job's output."""
    decided = {
        "generator": generator, "plugin_version": plugin_version,
        "templates": [[ref.name, ref.sha256] for ref in templates],
        "input": job_input, "backend": backend, "model_id": model_id,
        "options": options.model_dump(mode="json", exclude={"cache"}, exclude_none=True),
    }
    text = json.dumps(decided, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
