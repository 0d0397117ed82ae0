"""The ``ads.copy`` generator: ad copy for a platform preset, checked against the platform's
limits and editorial rules, the brand's banned terms and jurisdiction compliance presets."""

from __future__ import annotations

from aigc_core import GenerationOptions, Generator

from .banned import check_banned_terms
from .compliance import check_compliance
from .editorial import check_editorial
from .export_text import export_text
from .figures import check_figures
from .finalize import finalize
from .limits import check_counts, check_lengths, check_paths
from .models import AdCopy, AdCopyInput
from .product_name import check_product_name
from .relevance import check_relevance
from .schema import copy_schema
from .uniqueness import check_unique
from .wording import check_wording

VALIDATORS = (
    check_counts, check_lengths, check_paths, check_unique, check_wording, check_product_name,
    check_banned_terms, check_compliance, check_editorial, check_figures, check_relevance,
)

COPY = Generator(
    name="ads.copy",
    description="Ad copy (headlines, descriptions, primary texts, display paths) for Google "
                "responsive search ads, Meta ads or a generic preset, within the platform's "
                "limits, brand banned terms and jurisdiction compliance presets.",
    input_model=AdCopyInput,
    output_model=AdCopy,
    system="ads/copy.system.j2",
    prompt="ads/copy.user.j2",
    templates_from="aigc_plugins.ads",
    # A few short texts: a small budget keeps the embedded model fast; repairs get two tries.
    options=GenerationOptions(temperature=0.3, max_tokens=400, max_repairs=2, token_budget=1200),
    validators=VALIDATORS,
    finalize=finalize,
    output_schema=copy_schema,
    exporters={"text": export_text},
)
