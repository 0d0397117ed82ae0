"""Numbers kept (``numbers_kept`` / ``numbers.py``): each number of the source is in the
translation, written as the target language writes numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aigc_core.testing import scripted
from aigc_plugins.translation import numbers
from aigc_plugins.translation.models import TranslateInput, TranslateOutput
from aigc_plugins.translation.translate import TRANSLATE
from aigc_plugins.translation.validators import numbers_kept

PAIRS = Path(__file__).resolve().parents[1] / "fixtures" / "gates" / "translation_pairs.json"


def lost(source, translation, **fields) -> list[tuple[str, str]]:
    data = TranslateInput(text=source, **{"target_language": "fr", "source_language": "en",
                                          **fields})
    return [(p.field, p.code) for p in numbers_kept(TranslateOutput(translation=translation),
                                                    data)]


@pytest.mark.parametrize(("source", "translation"), [
    ("Price: 1,200 euros", "Prix : 1 200 euros"),                    # thousands, French
    ("Price: 1,200 euros", "Preis: 1.200 Euro"),                       # thousands, German
    ("It weighs 3.5 kg.", "Il pèse 3,5 kg."),                          # decimals
    ("Save 25% on orders over €1,000.", "Économisez 25 % sur les commandes de plus de 1 000 €."),
    ("The meeting is on 3/4/2025 at 09:00.", "La réunion a lieu le 3/4/2025 à 9 h."),
    ("Doors open at 7:30 pm.", "Ouverture des portes à 19 h 30."),      # 24-hour time
    ("Your order #1042 ships in 3 days.", "Votre commande n° 1042 part sous trois jours."),
    ("Open 24/7.", "Ouvert 24 h/24, 7 j/7."),                           # numbers added
    ("Call +1 (555) 123-4567.", "Appelez le +1 (555) 123-4567."),
    ("In 2025 300 people came.", "En 2025, 300 personnes sont venues."),  # two numbers
    ("Hello {count}, version 2 is out", "Bonjour {count}, la version 2 est sortie"),
    ("Run `make -j4` now", "Lancez `make -j4` maintenant"),
])
def test_numbers_written_the_target_languages_way_pass(source, translation):
    assert lost(source, translation) == []


def test_the_hand_written_translations_keep_their_numbers():
    pairs = json.loads(PAIRS.read_text())["good"]
    assert [pair for pair in pairs if numbers.missing(pair[2], pair[3])] == []


@pytest.mark.parametrize(("source", "translation", "number"), [
    ("It costs $1,200.", "Il coûte 1 500 $.", "1,200"),
    ("The museum opens at 9.", "Le musée ouvre à 10 heures.", "9"),    # spelled? no: changed
    ("Order 1042 has shipped.", "La commande a été expédiée.", "1042"),
    ("Doors open at 7 pm.", "Ouverture des portes à 18 h.", "7"),
    ("It weighs 3.5 kg.", "Il pèse 35 kg.", "3.5"),
])
def test_a_number_dropped_or_changed_fails_naming_it(source, translation, number):
    data = TranslateInput(text=source, target_language="fr", source_language="en")
    problems = numbers_kept(TranslateOutput(translation=translation), data)
    assert [(p.field, p.code) for p in problems] == [("translation", "number_lost")]
    assert f"lacks the source's {number!r}" in problems[0].message
    assert "as French writes numbers" in problems[0].message


def test_json_problems_name_the_key():
    data = TranslateInput(text={"price": "Only $25 today", "cta": "Buy 2, get 1 free"},
                          format="json", target_language="es", source_language="en")
    output = TranslateOutput(translation={"price": "Solo 52 $ hoy",
                                          "cta": "Compra 2 y llévate 1 gratis"})
    assert [(p.field, p.code) for p in numbers_kept(output, data)] == [
        ("translation.price", "number_lost")]


def test_a_changed_price_is_fed_back_and_repaired(make_engine):
    engine = make_engine(TRANSLATE)
    scripted(['{"translation": "Le billet coûte 15 €."}',
              '{"translation": "Le billet coûte 12 €."}'])
    result = engine.run(engine.make_job("translation.translate", {
        "text": "The ticket costs €12.", "target_language": "fr", "source_language": "en"}))
    assert result.ok, result.problems
    assert result.output["translation"] == "Le billet coûte 12 €."
    assert result.provenance.attempts == 2
