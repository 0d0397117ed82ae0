"""The refusal gate: copy that apologises, refuses or remarks on the request instead of doing it.

Its real embedded-model case is in test_gates_answers.py; here are the phrases the gate knows,
in several languages, and what it must leave alone.
"""

from __future__ import annotations

import pytest

from aigc_core.errors import ConfigError
from aigc_core.gates import GateSettings, GateView, ProseField, refusal


def check(text: str, inputs: tuple[str, ...] = (), **settings) -> list[str]:
    view = GateView(fields=[ProseField("body", text)], prompt="", input_texts=list(inputs),
                    language=None, settings=GateSettings(**settings))
    return [problem.code for problem in refusal.check(view)]


@pytest.mark.parametrize("text", [
    "I'm sorry, but I can't help with that request.",
    "As an AI language model, I cannot write about real people.",
    "I am unable to translate this text.",
    "Unfortunately I can't help with that.",
    "This text cannot be translated into Spanish.",
    "Es tut mir leid, ich kann Ihnen dabei nicht helfen.",
    "Je suis désolé, je ne peux pas traduire ce texte.",
    "Lo siento, no puedo traducir este texto.",
    "Извините, я не могу перевести этот текст.",
    "作为一个人工智能，我无法回答这个问题。",
])
def test_apologies_and_refusals_in_several_languages_are_flagged(text: str):
    assert check(text) == ["refusal"]


@pytest.mark.parametrize("text", [
    "We can't wait to welcome you to the new museum.",
    "I can't help but smile when the first tram rolls in.",
    "I cannot completely agree with the council, the mayor said.",
    "The mayor said the council cannot provide more buses before May.",
    "Ich kann nicht schwimmen, sagte der Trainer, und lachte.",
    "Night trams return to Northgate on Friday.",
])
def test_copy_that_only_shares_words_with_a_refusal_passes(text: str):
    assert check(text) == []


def test_a_phrase_from_the_input_is_the_inputs_not_the_models():
    quote = "\"I'm sorry for the delays,\" the mayor said."
    assert check(quote, inputs=("I'm sorry for the delays",)) == []
    assert check(quote) == ["refusal"]


def test_an_operator_adds_phrases_and_a_bad_one_names_the_setting():
    assert check("Here is your article:", refusal={"phrases": [r"^here is your \w+:"]}) == [
        "refusal"]
    with pytest.raises(ConfigError, match=r"gates\.refusal\.phrases"):
        check("text", refusal={"phrases": ["(unclosed"]})
