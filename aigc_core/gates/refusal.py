"""The refusal gate: copy that talks about the task instead of doing it.

Small models, and large ones given an odd input, answer with an apology, a refusal or a
statement about the request where the copy should be. The embedded model's translation of a
Russian sentence into English succeeded as "The Russian language is not available for
translation." before this gate; a chat model's "I'm sorry, but I can't help with that" is as
well-formed a string. A field is flagged when it holds one of these phrases:

- an apology or a refusal written by the model about itself: "I'm sorry", "I apologize",
  "as an AI", "as a language model", "I cannot / can't / am unable to" + help, provide, write,
  translate, ...; the same in German, French, Spanish, Italian, Portuguese, Russian and
  Chinese ("Es tut mir leid", "Je ne peux pas", "Lo siento", "作为一个人工智能", ...);
- a statement that the work cannot be done: "is not available for translation", "cannot be
  translated", "no translation is available".

A phrase that the job's input holds (a news fact quoting someone's "I'm sorry") is the input's,
not the model's, and is not flagged.

Setting (``[gates.refusal]``), with its default: ``phrases = []``, more phrases (regular
expressions, matched without case) that an operator's models are known to write.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from ..checks import quote
from ..errors import ConfigError
from ..problems import Problem
from .base import GateView
from .tuning import tuned

NAME = "refusal"

DEFAULTS: dict[str, Any] = {"phrases": []}

#: "help" only as a refusal says it: "I can't help but smile" is copy.
_VERBS = (r"help(?: you| with|[.,;!]|$)|(?:assist|provide|write|create|generate|translate|"
          r"summari[sz]e|answer|comply|fulfil+|do that|complete)\b")
#: What a model writes instead of the copy, by language: each expression with the words (case-
#: folded) that any text it matches holds. A field holding none of them, nearly every field,
#: is not searched with it: run over a whole article, the expressions cost milliseconds.
_PHRASES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("sorry",), r"\bI(?:'m| am) (?:so |very |really )?sorry\b"),
    (("apologi",), r"\bI (?:must |do )?apologi[sz]e\b"),
    (("as an ai", "as a ai", "artificial intelligence", "language model", "assistant"),
     r"\bas an? (?:AI|artificial intelligence|(?:large )?language model|assistant)\b"),
    (("cannot", "can not", "can't", "can’t", "unable", "not able", "won't", "will not"),
     rf"\bI (?:cannot|can ?not|can't|can’t|am unable to|am not able to|won't|will not) "
     rf"(?:{_VERBS})"),
    (("not available", "not possible"),
     r"\b(?:is|are) not (?:available|possible) (?:for|to) (?:translat|summar)\w*"),
    (("translated",), r"\bcan(?:not|'t|’t| not) be translated\b"),
    (("no translation",), r"\bno translation (?:is )?(?:available|possible)\b"),
    (("leid",), r"\bes tut mir leid\b"),
    (("als ki", "als ein ki", "als eine ki", "sprachmodell"),
     r"\bals (?:eine? )?(?:KI|Sprachmodell)\b"),
    (("ich kann",), r"\bich kann (?:Ihnen |dir )?(?:dabei |damit )?nicht (?:helfen|übersetzen)\b"),
    (("désolé",), r"\bje suis (?:vraiment )?désolée?\b"),
    (("en tant qu",), r"\ben tant qu['’](?:IA|intelligence artificielle)"),
    (("je ne ",), r"\bje ne (?:peux pas|suis pas en mesure d['’e] ?)(?:vous )?"
                  r"(?:aider|traduire|fournir|répondre|écrire)"),
    (("siento",), r"\blo siento\b"),
    (("como ia", "como una ia", "inteligencia artificial", "modelo de lenguaje"),
     r"\bcomo (?:una )?(?:IA|inteligencia artificial|modelo de lenguaje)\b"),
    (("no puedo",), r"\bno puedo (?:ayudar|proporcionar|traducir|escribir|generar)\b"),
    (("dispiace",), r"\bmi dispiace\b"),
    (("non posso",), r"\bnon posso (?:aiutar|fornir|tradurr|scriver)\w*"),
    (("não posso",), r"\bnão posso (?:ajudar|fornecer|traduzir|escrever)\b"),
    (("извините",), r"\bизвините\b"),
    (("не могу",), r"\bя не могу (?:помочь|перевести|предоставить|ответить|написать)"),
    (("как ии", "искусственный интеллект", "языковая модель"),
     r"\bкак (?:ИИ|искусственный интеллект|языковая модель)"),
    (("作为",), r"作为(?:一个)?(?:人工智能|AI|语言模型)"),
    (("抱歉", "对不起"), r"(?:抱歉|对不起)[，,]?我"),
    (("无法", "不能"), r"我(?:无法|不能)(?:帮|提供|翻译|回答)"),
)
_BUILT_IN = tuple((hints, re.compile(phrase, re.IGNORECASE)) for hints, phrase in _PHRASES)


@lru_cache(maxsize=8)
def _operators(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    if not phrases:
        return None
    try:
        return re.compile("|".join(f"(?:{phrase})" for phrase in phrases), re.IGNORECASE)
    except re.error as exc:
        raise ConfigError(f"gates.refusal.phrases: not a regular expression: {exc}") from None


def check(view: GateView) -> list[Problem]:
    extra = _operators(tuple(tuned(view, NAME, DEFAULTS)["phrases"]))
    given = "\n".join(view.input_texts).casefold()
    folded = [field.text.casefold() for field in view.fields]
    # The hints are looked for in all fields at once first: most outputs hold none.
    everything = "\n".join(folded)
    likely = [(hints, pattern) for hints, pattern in _BUILT_IN
              if any(hint in everything for hint in hints)]
    if not likely and extra is None:
        return []
    problems = []
    for field, text in zip(view.fields, folded, strict=True):
        patterns = [pattern for hints, pattern in likely
                    if any(hint in text for hint in hints)] + ([extra] if extra else [])
        found = next((match for pattern in patterns for match in pattern.finditer(field.text)
                      if match.group().casefold() not in given), None)
        if found is not None:
            problems.append(Problem(
                field=field.path, code=NAME,
                message=f"talks about the task instead of doing it "
                        f"({quote(_sentence(field.text, found.start()), 60)}); write the copy "
                        "itself, with no apology, refusal or remark about the request"))
    return problems


def _sentence(text: str, at: int) -> str:
    """The sentence around ``at``, for the problem message."""
    start = max(text.rfind(stop, 0, at) for stop in ".!?\n") + 1
    return text[start:].strip()
