"""The vocabulary gate: copy made of words its language does not have.

Its real embedded-model cases are in test_gates_answers.py (``answer_vocabulary_*.json``); here
are real texts that must pass in each language it checks, invented and foreign words that must
not, and its settings.
"""

from __future__ import annotations

import pytest

from aigc_core.errors import ConfigError
from aigc_core.gates import GateSettings, GateView, ProseField, vocabulary


def problems(text: str, language: str | None, inputs: tuple[str, ...] = (), **settings
             ) -> list[str]:
    view = GateView(fields=[ProseField("summary", text)], prompt="", input_texts=list(inputs),
                    language=language, settings=GateSettings(**settings))
    return [problem.message for problem in vocabulary.check(view)]


REAL = {
    "en": "The council reopened the riverside park after two years of works, with new paths, "
          "lighting, sports grounds and an area where dogs can run off the lead.",
    "de": "Nach zweijährigen Bauarbeiten ist der Park wieder geöffnet: neue Wege, helle "
          "Beleuchtung, barrierefreie Eingänge und eine umweltschonend bewässerte Wiese.",
    "fr": "Après deux ans de travaux, le parc a rouvert aujourd'hui avec de nouvelles allées, "
          "l'éclairage refait et un espace où les chiens peuvent courir librement.",
    "es": "Después de dos años de obras, el parque volvió a abrir con caminos nuevos, "
          "iluminación, pistas deportivas y una zona donde los perros pueden correr sueltos.",
    "it": "Dopo due anni di lavori il parco ha riaperto con nuovi sentieri, l'illuminazione "
          "rifatta, campi sportivi e un'area dove i cani possono correre liberi.",
    "pt": "Depois de dois anos de obras, o parque reabriu com novos caminhos, iluminação, "
          "quadras esportivas e uma área onde os cães podem correr soltos.",
    "nl": "Na twee jaar werk is het park weer open, met nieuwe paden, verlichting, "
          "sportvelden, fietsvriendelijke routes en een veldje waar honden los mogen lopen.",
    "ru": "После реконструкции, которая продолжалась два года, парк снова открылся: появились "
          "новые дорожки, освещение, спортивные площадки и зона для собак.",
}


@pytest.mark.parametrize("language", sorted(REAL))
def test_real_copy_passes_in_every_language_checked(language: str):
    assert problems(REAL[language], language) == []


def test_invented_words_fail_and_are_quoted():
    text = ("После реконструкции парк открылся снова, и вдоль аллей выстравили пробинки, "
            "стравожные алейки и зомбачки для гулятелей.")
    [message] = problems(text, "ru")
    assert "are not Russian words" in message
    for word in ("выстравили", "пробинки", "стравожные"):
        assert repr(word) in message


def test_english_left_in_other_copy_is_not_this_gates_to_find():
    # Web text puts common English words in every list: the language and translation gates
    # catch copy left in English.
    assert problems("Compra ahora: free delivery on every order, shipping within three "
                    "working days", "es") == []


def test_one_or_two_rare_words_never_fail_a_field():
    text = "Cyclists tried the new greenway, a trailrunning loop and two reablement centres."
    assert problems(text, "en") == []  # 2 unknown words: below min_unknown


def test_the_inputs_words_names_and_markup_are_not_checked():
    text = ("Visit <b>kaffeeklatschery</b> at https://example.com/brewtopia or write to "
            "hello@brewtopia.example: Brewtopia and Zorbulon serve {flavourname} with "
            "mochaccinos, frappuccinolas and blendolinos.")
    inputs = ("mochaccinos, frappuccinolas and blendolinos",)
    assert problems(text, "en", inputs) == []
    assert problems(text, "en")  # the input's words were what made it pass


def test_an_operator_allows_words_and_chooses_the_languages():
    text = "Our mochaccinos, frappuccinolas and blendolinos are back for the summer."
    assert problems(text, "en")
    allowed = {"vocabulary": {"allowed_words": ["Mochaccinos", "frappuccinolas",
                                                "blendolinos"]}}
    assert problems(text, "en", **allowed) == []
    assert problems(text, "en", vocabulary={"languages": ["de"]}) == []
    assert problems(text, None) == []  # no language asked: nothing to check against


def test_a_language_without_a_word_list_is_a_config_error_naming_the_setting():
    with pytest.raises(ConfigError, match=r"gates\.vocabulary\.languages: no word list for xx"):
        problems(REAL["en"], "en", vocabulary={"languages": ["en", "xx"]})
