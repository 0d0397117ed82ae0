"""Relevance: an ad must be about the product of its brief.

The embedded model, asked for a Google ad for "TrailRunner 5" (offer "20% off until May 31",
benefits "grippy sole" and "light"), answered with the headlines "Bangkok, Thailand",
"Bangkou" and "Bangkou: The City of the City", and it succeeded: within every limit, no
banned term, no claim. An ad whose texts together share no word or number with the brief
(product, brand, audience, benefits, offer, call to action; ``aigc_core.relevance``) is flagged
``off_topic``.

The whole ad is judged, not each text: a good headline may say "Free returns" or "Shop the new
season" without a word of the brief, and an ad in another language than its brief still names
the product or the offer's figures somewhere. Not judged: copy or a brief written without
spaces between words (Chinese, Japanese, Thai).
"""

from __future__ import annotations

from aigc_core import Problem
from aigc_core.relevance import shares_a_word

from .models import AdCopy, AdCopyInput


def check_relevance(output: AdCopy, data: AdCopyInput) -> list[Problem]:
    copy = "\n".join(text for _, _, text in output.texts())
    if shares_a_word(copy, data.brief()) is not False:
        return []
    return [Problem(field="", code="off_topic",
                    message=f"the ad shares no word with the brief: write about {data.product!r}"
                            " and what the brief says of it (its benefits, its offer)")]
