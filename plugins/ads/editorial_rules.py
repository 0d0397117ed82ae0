"""Editorial rules as data: what a platform's ad review rejects in ad text, as patterns.

Google's "Editorial: Punctuation and Symbols" policy rejects repeated punctuation ("flowers!!"),
symbols, numbers or letters not used for their meaning ("f1owers", "fl@wers", "$ave"), and
emoji or decorative symbols; its editorial standards also keep "!" out of headlines.
A rule's ``fields`` names the output lists it applies to; ``None`` means every text field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class EditorialRule:
    code: str
    pattern: re.Pattern[str]
    message: str
    hint: str  # the rule as the prompt states it
    fields: frozenset[str] | None = None
    #: Characters the output grammar keeps out of the fields this rule applies to, where a
    #: character class says the whole rule; the validator still checks every backend's answer.
    excluded: str = ""

    def applies_to(self, kind: str) -> bool:
        return self.fields is None or kind in self.fields


REPEATED_PUNCTUATION = EditorialRule(
    code="repeated_punctuation",
    # Checked on NFKC text, so full-width "！！" is caught as "!!"; 。、 have no NFKC fold.
    pattern=re.compile(r"([!?.,;:。、])\1+|[!?]{2,}"),
    message="repeats punctuation ({found!r}); use a single mark",
    hint="no repeated punctuation",
)

SYMBOL_FOR_LETTER = EditorialRule(
    code="symbol_for_letter",
    # Digits or symbols between letters ("f1owers", "fl@wers", "Ca$h"), look-alike digits
    # ending a word ("FR33") and "$" starting one ("$ave"). Digits that do not pass for
    # letters (2, 6, 8, 9) are left alone so "B2B" and "H2O" stay allowed.
    pattern=re.compile(
        r"[A-Za-z][013457@$!|]+[A-Za-z]"
        r"|[A-Za-z][013457]{2,}(?![A-Za-z0-9])"
        r"|(?<![A-Za-z0-9])\$[A-Za-z]"
    ),
    message="uses a number or symbol in place of a letter ({found!r}); spell the word out",
    hint="no numbers or symbols in place of letters",
)

EMOJI_OR_SYMBOL = EditorialRule(
    code="emoji",
    # Emoji blocks, dingbats, bullets and geometric shapes, plus the joiner and variation
    # selector that build emoji sequences. ©, ® and ™ stay allowed: they sit outside these.
    pattern=re.compile(
        "[\u2022\u25a0-\u25ff\u2600-\u27bf\u2b00-\u2bff\ufe0f\u200d\U0001f000-\U0001faff]"
    ),
    message="contains an emoji or decorative symbol ({found!r}); remove it",
    hint="no emoji",
)

HEADLINE_EXCLAMATION = EditorialRule(
    code="headline_exclamation",
    pattern=re.compile(r"!"),
    message="has an exclamation mark, which headlines may not use; remove it",
    hint="no exclamation marks in headlines",
    fields=frozenset({"headlines"}),
    excluded="!",
)

GOOGLE_RULES: tuple[EditorialRule, ...] = (
    REPEATED_PUNCTUATION, SYMBOL_FOR_LETTER, EMOJI_OR_SYMBOL, HEADLINE_EXCLAMATION,
)
