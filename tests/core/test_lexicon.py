"""The word lists (``aigc_core.lexicon``): what they know and how common each word is, read
from wordfreq's files without its in-memory dictionaries."""

from __future__ import annotations

import pytest
import wordfreq

from aigc_core import lexicon

WORDS = ["the", "museum", "musée", "museo", "nine", "neuf", "strasse", "straße", "email",
         "kindergarten", "zzqxv", "déjà"]


@pytest.mark.parametrize("language", ["en", "fr", "de", "es", "ru"])
def test_frequencies_are_wordfreqs(language):
    words = [word.casefold() for word in WORDS]
    assert lexicon.zipf(language, words) == [wordfreq.zipf_frequency(word, language)
                                             for word in words]
    assert lexicon.known(language, words) == [wordfreq.zipf_frequency(word, language) > 0
                                              for word in words]


def test_a_word_not_listed_is_unknown_with_frequency_zero():
    assert lexicon.known("en", ["museum", "museé"]) == [True, False]
    assert lexicon.zipf("en", ["museé"]) == [0.0]
    assert lexicon.zipf("en", []) == [] and lexicon.known("en", []) == []


def test_segmented_languages_are_not_offered():
    assert {"en", "de", "fr", "ru"} <= lexicon.available()
    assert not {"zh", "ja"} & lexicon.available()
