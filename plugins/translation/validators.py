"""The checks of a translation.

The engine runs each validator on every part (the model's answer for one masked chunk, so the
repair loop can tell the model what to fix in its own terms: tokens) and again on the joined
document (the restored translation against the whole source). ``view`` puts both cases in one
shape: units of source and translated text, the two languages, the format's finders.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aigc_core import Problem

from . import glossary, languages, masking, numbers, untranslated
from .formats import FORMATS, Unit
from .masking import Finder
from .models import TranslateInput, TranslateOutput, TranslationPart

Data = TranslateInput | TranslationPart


@dataclass(frozen=True)
class View:
    units: list[Unit]
    source_language: str
    target_language: str
    finders: Sequence[Finder]
    glossary: Mapping[str, str] = field(default_factory=dict)


def _part_view(output: TranslateOutput, data: TranslationPart) -> View:
    # Glossary terms reached the model as tokens, checked by tokens_restored. The unit is
    # named for its segment ("translation.menu.save"), so that problems say which one.
    return View([Unit(data.segment, data.text, str(output.translation))], data.source_language,
                data.target_language, FORMATS[data.format].finders)


def _document_view(output: TranslateOutput, data: TranslateInput) -> View:
    spec = FORMATS[data.format]
    return View(spec.units(data.text, output.translation), data.resolved_source_language(),
                data.target_language, spec.finders, data.glossary)


_VIEWS: dict[type, Callable[[TranslateOutput, Any], View]] = {
    TranslationPart: _part_view,
    TranslateInput: _document_view,
}


def view(output: TranslateOutput, data: Data) -> View:
    return _VIEWS[type(data)](output, data)


# -- validators ---------------------------------------------------------------------------------
def tokens_restored(output: TranslateOutput, data: Data) -> list[Problem]:
    """A part's answer must hold each of its tokens exactly once, legally ordered."""
    if not isinstance(data, TranslationPart):
        return []  # the joined document has no tokens left
    return masking.restore(str(output.translation), data.tokens).problems


def output_shape(output: TranslateOutput, data: Data) -> list[Problem]:
    """Text for text formats; for JSON the source's keys, list lengths and non-text values."""
    if not isinstance(data, TranslateInput):
        return []  # the decoding schema lets a part's answer be text only
    return FORMATS[data.format].shape(data.text, output.translation)


def protected_spans_kept(output: TranslateOutput, data: Data) -> list[Problem]:
    """Placeholders, tags, entities, URLs, code and Markdown structure: the same inventory in
    the translation as in the source, and line-level structure in the same order."""
    found = view(output, data)
    return [problem for unit in found.units
            for problem in _compare(unit, found.finders)]


def _compare(unit: Unit, finders: Sequence[Finder]) -> list[Problem]:
    source = masking.inventory(unit.source, finders)
    translated = masking.inventory(unit.translation, finders)
    wanted, got = Counter(source), Counter(translated)
    problems = [
        *(Problem(field=unit.field, code="span_missing",
                  message=f"lost {value!r} (a {kind}){_times(n)}; keep it exactly as in the source")
          for (kind, value, _), n in (wanted - got).items()),
        *(Problem(field=unit.field, code="span_added",
                  message=f"adds {value!r} (a {kind}){_times(n)} that the source does not have; "
                          "remove it")
          for (kind, value, _), n in (got - wanted).items()),
    ]
    anchors = [entry for entry in source if entry[2]]
    if not problems and anchors != [entry for entry in translated if entry[2]]:
        problems.append(Problem(field=unit.field, code="span_order",
                                message="changes the order of line breaks or block markers; "
                                        "keep the source's structure"))
    return problems


def _times(count: int) -> str:
    return f" {count} times" if count > 1 else ""


def glossary_used(output: TranslateOutput, data: Data) -> list[Problem]:
    """Where a glossary term occurs in the source, its required translation must be used."""
    found = view(output, data)
    return glossary.problems(found.glossary, found.units, found.finders)


def length_sane(output: TranslateOutput, data: Data) -> list[Problem]:
    """A translation far shorter or longer than the language pair allows lost or added text."""
    found = view(output, data)
    problems = []
    for unit in found.units:
        source = len(masking.words(unit.source, found.finders))
        length = len(masking.words(unit.translation, found.finders))
        low, high = languages.length_bounds(found.source_language, found.target_language, source)
        pair = f"{found.source_language}->{found.target_language}"
        if length < low:
            problems.append(Problem(
                field=unit.field, code="too_short",
                message=f"has {length} characters of text for {source} in the source; at least "
                        f"{low} expected for {pair}: translate every sentence"))
        elif length > high:
            problems.append(Problem(
                field=unit.field, code="too_long",
                message=f"has {length} characters of text for {source} in the source; at most "
                        f"{high} expected for {pair}: translate only the given text, add nothing"))
    return problems


def in_target_language(output: TranslateOutput, data: Data) -> list[Problem]:
    """The translation must read as the target language. Skipped below
    ``languages.MIN_DETECTABLE_LETTERS`` letters and for languages py3langid does not know."""
    found = view(output, data)
    text = " ".join(masking.words(unit.translation, found.finders) for unit in found.units)
    target = found.target_language
    if languages.letters(text) < languages.MIN_DETECTABLE_LETTERS or \
            not languages.identifiable(target):
        return []
    if languages.probability(text, target) >= languages.MIN_TARGET_PROBABILITY:
        return []
    detected = languages.detect(text)
    return [Problem(field="translation", code="language",
                    message=f"reads as {languages.name(detected)} ({detected}), not "
                            f"{languages.name(target)}; write it in {languages.name(target)}")]


def translated(output: TranslateOutput, data: Data) -> list[Problem]:
    """No run of source words left as it was, beyond names, code and glossary terms
    (``untranslated``)."""
    found = view(output, data)
    return untranslated.problems(found.units, found.finders, found.glossary,
                                 found.source_language, found.target_language)


def numbers_kept(output: TranslateOutput, data: Data) -> list[Problem]:
    """Every number of the source in the translation, as the target language writes it
    (``number_lost``)."""
    found = view(output, data)
    return numbers.problems(found.units, found.finders, found.target_language)


VALIDATORS = (tokens_restored, output_shape, protected_spans_kept, glossary_used, length_sane,
              in_target_language, translated, numbers_kept)
