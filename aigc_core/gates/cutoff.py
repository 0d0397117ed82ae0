"""The cut-off gate: text that stops mid-sentence or mid-phrase.

Constrained decoding ends a string at its length limit or its token budget wherever it is:
"Lyon adds 40 km of bike lanes to cut traffic and reduce" succeeded as a headline before this
gate. A field is flagged, once, when its end (after any closing quote or bracket, emoji or
Markdown emphasis) is:

- **a mark that continues**: a comma, colon, semicolon, hyphen or dash, slash, ampersand, an
  opening bracket or quote, in any script ("，", "、" too; Greek's ";" is its question mark);
  or a full stop set apart from the last word ("... that will ."), the way a model closes a
  string it ran out of room for;
- **a word that continues**: in a language the gate knows (the requested one; English when
  none is given), an article, a conjunction or a preposition that cannot end a phrase ("the",
  "and", "of"; "und", "der"; "y", "de"), or, in English, a verb that needs an object after
  "and", "or", "to" or a modal ("... and reduce", "... will provide"). Prepositions that end
  phrases ("sign up", "log in", "where it comes from") and words joined to the one before by a
  hyphen ("Profitez-en", "Compre-o") are not counted;
- **a paragraph without its full stop**: a paragraph of ``min_words`` words or more that holds
  two sentences or more, or of twice that many in one sentence, and does not end with a full
  stop, question or exclamation mark or ellipsis. Shorter text (a headline, an option, "Fresh
  every week. Order now") need not. Text in Chinese, Japanese, Korean, Thai and other scripts
  the gate cannot judge is not checked by this rule.

Setting (``[gates.cut_off]``), with its default: ``min_words = 12``.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from ..checks import quote
from ..problems import Problem
from .base import GateView
from .tuning import tuned
from .words import last_words, words

NAME = "cut_off"

DEFAULTS: dict[str, Any] = {"min_words": 12}

#: What ends a sentence, in the scripts the gate knows (Arabic, Devanagari, Armenian,
#: Ethiopic, Myanmar and CJK stops too).
_STOPS = ".!?…‼⁇؟۔।॥։።။。！？．"
#: Marks that end a sentence in one language and continue it in others: Greek's question mark.
_OWN_STOPS = {"el": ";"}
#: What may follow the last word or stop without changing how the text ends.
_CLOSERS = "\"'”’»)]}*_` \t\r\n"
#: Marks after which the text must go on.
_CONTINUES = ",;:-–—/&([{“‘«„，、：；（【"
#: Scripts written without spaces or without a full stop the gate can see: not judged.
_UNJUDGED = re.compile("[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u9fff"
                       "\uac00-\ud7af\uf900-\ufaff]")


def _listed(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Words that cannot end a phrase, by language: articles, conjunctions, and prepositions that
#: are never left at the end of a sentence (not "up", "in", "on", "for", "from", "with": "sign
#: up", "where it comes from"; not German or Dutch particles: "Machen Sie mit", "Doe mee").
_DANGLING: dict[str, frozenset[str]] = {
    "en": _listed("a an the its their our your my and or but nor because although unless "
                  "whereas than of to into onto between among amongst towards toward via "
                  "per including during despite amid as"),
    "es": _listed("el la los las un una unos unas y e o u ni pero de del al a en con por para "
                  "sin sobre entre desde hasta hacia según que porque"),
    "fr": _listed("le la les un une des du de au aux et ou mais ni à dans pour par avec sans "
                  "sur sous vers chez entre que parce"),
    "de": _listed("der die den dem des eine einen einem einer eines und oder aber sondern von "
                  "für bei gegen ohne seit wegen zwischen dass weil"),
    "it": _listed("il lo la i gli le un uno una e ed o ma di del della dei delle da in con "
                  "su per tra fra che"),
    "pt": _listed("o os as um uma uns umas e ou mas de do da dos das em no na com por para "
                  "pelo pela sem sobre entre que"),
    "nl": _listed("de een en of maar van dat omdat"),
}
#: English verbs that need an object ("... and reduce"), and the words after which one is a
#: verb rather than a noun.
_TRANSITIVE = _listed("reduce improve provide bring make give create ensure allow enable "
                      "prevent protect deliver introduce replace remove attract achieve "
                      "encourage promote expand transform tackle increase boost")
_BEFORE_VERB = _listed("and or to will would can could should must may might")


def check(view: GateView) -> list[Problem]:
    settings = tuned(view, NAME, DEFAULTS)
    language = (view.language or "en").split("-")[0].lower()
    problems = []
    for field in view.fields:
        message = _cut(field.text, language, settings["min_words"])
        if message:
            problems.append(Problem(field=field.path, code=NAME, message=message))
    return problems


def _cut(text: str, language: str, min_words: int) -> str | None:
    body = _trimmed(text)
    if not body:
        return None
    end = body[-1]
    stops = _STOPS + _OWN_STOPS.get(language, "")
    if end in _CONTINUES and end not in stops:
        return (f"is cut off: it ends with {end!r} ({_tail(body)}); finish the sentence or "
                "end it before that mark")
    if end in stops:
        # "... that will ." : a full stop set apart from the last word is no typography of any
        # language (French spaces "!" and "?", not "."); it is a model closing a string it ran
        # out of room for.
        if body.endswith(" .") and not body.endswith(". ."):
            return (f"is cut off mid-phrase ({_tail(body)}); finish the sentence before its "
                    "full stop")
        return None
    last = _dangling(body, language)
    if last:
        return (f"is cut off mid-phrase: it ends with {quote(last)} ({_tail(body)}); finish "
                "the phrase, or end it on a word that completes it")
    paragraph = body.rsplit("\n", 1)[-1]
    if _UNJUDGED.search(paragraph):
        return None
    written = words(paragraph)
    count = len(written.keys)
    if count >= 2 * min_words or (count >= min_words and len(written.sentences) > 1):
        return (f"ends mid-sentence ({_tail(body)}): finish the last sentence and end it with "
                "a full stop, or remove it")
    return None


def _trimmed(text: str) -> str:
    """The text without what may follow its last word: closing quotes and brackets, emphasis,
    emoji and other symbols."""
    end = len(text)
    while end and (text[end - 1] in _CLOSERS or unicodedata.category(text[end - 1])
                   in ("So", "Sk", "Cf")):
        end -= 1
    return text[:end]


def _dangling(body: str, language: str) -> str | None:
    """The last words when they cannot end a phrase, else None."""
    if language not in _DANGLING:
        return None
    found = last_words(body)
    if not found:
        return None
    last, start = found[-1]
    if start and body[start - 1] in "-'’":  # an enclitic: "Profitez-en", "Compre-o"
        return None
    if last in _DANGLING[language]:
        return body[start:]
    if language == "en" and last in _TRANSITIVE and len(found) > 1 \
            and found[0][0] in _BEFORE_VERB:
        return body[found[0][1]:]
    return None


def _tail(text: str, limit: int = 40) -> str:
    """The end of the text as a problem message shows it."""
    return repr(text if len(text) <= limit else "…" + text[1 - limit:].lstrip())
