"""Relevance: a headline must be about its story, sharing at least one word or number with it.

The embedded model, asked for headlines on "Unemployment falls to 3.9% in March, the lowest
since 2008", wrote "Mergers and Surprises: A new era of job growth in the tech industry" as a
third variant, and it succeeded: grounded (no number, no quote), well formed, about nothing
the story says. A headline that shares no word with its story (``aigc_core.relevance``: words
of four letters or more compared loosely, numbers by meaning) is flagged ``off_topic``. A good
headline that keeps no word of its story ("Jobless rate hits 16-year low") is flagged too, and
the repair loop asks for one that does; the spare variants (``headlines.SPARE``) often make
that unnecessary.

Not judged: a story not surely in the headline's language ("Stadt baut neue Radwege" for
English headlines shares no word with "City builds new cycle lanes"; "solar panels" is too
short to tell), a story or headline written without spaces between words (Chinese, Japanese,
Thai), a story without a word of four letters ("Tax").

>>> story = "Unemployment falls to 3.9% in March"
>>> off_topic("headlines[2]", "Mergers and surprises in tech", story, "en")[0].code
'off_topic'
>>> off_topic("headlines[0]", "Jobless total falls again", story, "en")
[]
"""

from __future__ import annotations

from aigc_core import Problem
from aigc_core.checks import quote
from aigc_core.relevance import shares_a_word, terms, written_in

#: Words of the story named in the problem, as a hint.
SHOWN = 4


def off_topic(field: str, text: str, story: str, language: str) -> list[Problem]:
    """An ``off_topic`` problem if ``text`` shares no word or number with ``story``, a story
    in ``language`` (the headline's)."""
    if shares_a_word(text, story) is not False or not written_in(story, language):
        return []
    shown = ", ".join(quote(term) for term in terms(story)[:SHOWN])
    return [Problem(field=field, code="off_topic",
                    message=f"shares no word with the story; write about it, with at least one "
                            f"of its words ({shown})")]
