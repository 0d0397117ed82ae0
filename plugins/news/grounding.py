"""Grounding: every number, date, quotation, named source and link that an output mentions must
be supported by the input it was written from.

News copy that invents a figure or a quote is worse than no copy, and a small model invents
readily, so each mention that the input does not support becomes a ``Problem`` the repair loop
feeds back. Extraction is literal on purpose: numbers compare by value (``1,200`` = ``1200``,
``12%`` = ``12``, ``1.2 million`` = ``1,200,000``), dates by their day, month and year,
quotations word for word (ignoring case and punctuation). A number must also be used for what
the input gives it for (``context``): with a word of its label or of its sentence nearby, and
not as an amount when the input has it only as the day or year of a date. Month and weekday
names and the attribution verbs that mark a named source are English; numbers, quotations and
links are checked in any language.

>>> evidence = Evidence.of(["The plant powers 1,200 homes since 3 March 2025."], "the facts")
>>> check("lede", "It now powers 1200 homes.", evidence)
[]
>>> [p.code for p in check("lede", "It powers 1,500 homes.", evidence)]
['ungrounded_number']
>>> [p.code for p in check("lede", "It will last 3 years.", evidence)]
['number_out_of_context']
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from aigc_core import Problem
from aigc_core.checks import normalise

from . import context

# -- numbers -------------------------------------------------------------------------------

_SCALES = {
    "thousand": 10**3, "k": 10**3,
    "million": 10**6, "mn": 10**6, "m": 10**6,
    "billion": 10**9, "bn": 10**9, "b": 10**9,
    "trillion": 10**12, "tn": 10**12,
}

_FIGURES = (
    # Thousands separated by commas or (narrow) no-break spaces, or plain digits.
    r"(?P<int>\d{1,3}(?:[,\u00a0\u202f]\d{3})+|\d+)"
    r"(?:\.(?P<frac>\d+))?"
    r"(?:\s?(?P<scale>thousand|million|billion|trillion|bn|mn|tn|k|m|b)\b)?"
)
#: A number: not inside a word or another number, nor the tail of a code such as COVID-19.
_NUMBER = re.compile(r"(?<![\w.,])(?<![^\W\d_]-)" + _FIGURES, re.IGNORECASE)
#: A decimal number glued to a word in lower case ("relied on taxis or long-2.4."): no code
#: is written so ("COVID-19", "Llama-3.1", "mid-2025" are), a small model splicing two
#: phrases is. Such a number is checked as any other.
_GLUED = re.compile(r"(?<![\w-])[a-zß-öø-ÿ]+-(?=\d+\.\d)")
_FIGURES_AT = re.compile(_FIGURES, re.IGNORECASE)


#: A number as written, digits and the separators between them: "1,200", "4.5", "2025".
_FIGURE = re.compile(r"\d+(?:[.,]\d+)*")


#: Scales that may be something else: "5m" may be five million or five metres.
_AMBIGUOUS_SCALES = frozenset({"k", "m", "b"})


def _plain_and_scaled(match: re.Match[str]) -> tuple[Decimal, Decimal | None]:
    digits = re.sub(r"\D", "", match["int"])
    value = Decimal(f"{digits}.{match['frac']}" if match["frac"] else digits)
    scale = (match["scale"] or "").lower()
    return value, value * _SCALES[scale] if scale else None


def _mentioned(match: re.Match[str]) -> frozenset[Decimal]:
    """What a number in the output may mean: "12 million" is 12,000,000 only, "5m" is 5 or
    5,000,000."""
    plain, scaled = _plain_and_scaled(match)
    if scaled is None:
        return frozenset({plain})
    ambiguous = match["scale"].lower() in _AMBIGUOUS_SCALES
    return frozenset({plain, scaled} if ambiguous else {scaled})


def _supported(match: re.Match[str]) -> frozenset[Decimal]:
    """What a number in the input supports: its value with and without its scale, as an output
    may write the scale in a way not read as one ("4.5-million", "4.5 mln")."""
    return frozenset(value for value in _plain_and_scaled(match) if value is not None)


def _year(match: re.Match[str]) -> int | None:
    """The year a number may be: four plain digits ("2025", not "2,025" or "2025m")."""
    if match["frac"] or match["scale"] or not re.fullmatch(r"[12]\d{3}", match["int"]):
        return None
    return int(match["int"])


# -- dates ---------------------------------------------------------------------------------

_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
          r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\b\.?")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_ORDINAL = r"(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s+(?P<{}>\d{{4}})(?!\d))?"

# Month names are matched case-sensitively so that "may" and "march" as words are no dates.
_DATE = re.compile(
    rf"\b(?P<d1>\d{{1,2}}){_ORDINAL}\s+(?:of\s+)?(?P<m1>{_MONTH}){_YEAR.format('y1')}"
    rf"|\b(?P<m2>{_MONTH})(?:\s+(?P<d2>\d{{1,2}}){_ORDINAL}(?!\d))?{_YEAR.format('y2')}"
    # ISO dates, also unpadded ("2025-3-3"): a small model writes those too.
    r"|\b(?P<y3>\d{4})-(?P<m3>\d{1,2})-(?P<d3>\d{1,2})(?!\d)"
)
_WEEKDAY = re.compile(r"\b(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b")


@dataclass(frozen=True)
class DateMention:
    """A date as far as the text gives it: "March 2025" has no day, "3 March" no year."""

    year: int | None = None
    month: int | None = None
    day: int | None = None

    def within(self, other: DateMention) -> bool:
        """Whether every part this mention gives agrees with ``other``."""
        return all(mine is None or mine == theirs for mine, theirs in
                   ((self.year, other.year), (self.month, other.month), (self.day, other.day)))


def _date_mention(match: re.Match[str]) -> DateMention:
    def part(*names: str) -> int | None:
        found = next((match[n] for n in names if match[n]), None)
        return int(found) if found else None

    month_name = match["m1"] or match["m2"]
    month = _MONTHS.index(month_name[:3].lower()) + 1 if month_name else part("m3")
    return DateMention(year=part("y1", "y2", "y3"), month=month, day=part("d1", "d2", "d3"))


# -- quotations, sources, links --------------------------------------------------------------

_QUOTATION = re.compile(r'"([^"]+)"|“([^”]+)”|„([^“”]+)[“”]|«\s?([^»]+?)\s?»|「([^」]+)」')
_URL = re.compile(r"https?://[^\s<>\"'“”)\]]+")


def _amounts(text: str) -> list[context.Number]:
    """The numbers of an input text that are amounts: not parts of a date or a link."""
    taken = [m.span() for pattern in (_DATE, _URL) for m in pattern.finditer(text)]
    return [(m.start(), m.end(), _supported(m)) for m in _NUMBER.finditer(text)
            if not any(start <= m.start() < end for start, end in taken)]


_CAPITALISED = r"[A-ZÀ-ÖØ-Þ][\w'’-]*"
_NAME = rf"{_CAPITALISED}(?:\s+(?:(?:of|for|the|and|de|van|von|al)\s+)?{_CAPITALISED})*"
_VERBS = (r"(?:said|says|told|tells|stated|states|reported|reports|announced|announces|added"
          r"|adds|noted|notes|confirmed|confirms|explained|explains|wrote|writes|warned|warns"
          r"|argued|argues|claimed|claims|estimated|estimates)")
_ATTRIBUTIONS = (
    re.compile(rf"\b[Aa]ccording to\s+(?:the\s+)?(?P<name>{_NAME})"),
    re.compile(rf"(?P<name>{_NAME}),?\s+{_VERBS}\b"),
    re.compile(rf"\b{_VERBS}\s+(?P<name>{_NAME})"),
)
#: Attributions that name nobody in particular, and words that join the parts of a name.
_UNNAMED = frozenset({
    "he", "she", "they", "it", "we", "i", "you", "this", "that", "these", "those", "officials",
    "experts", "analysts", "residents", "authorities", "police", "critics", "researchers",
    "scientists", "spokesperson", "spokespeople", "spokesman", "spokeswoman", "organisers",
    "organizers", "witnesses", "sources", "reports", "data", "figures",
})
_JOINERS = frozenset({"of", "for", "the", "and", "de", "van", "von", "al"})
_SENTENCE_END = ".!?:;\"“”\n"


#: Replaces a checked mention, so that later finders neither see it again nor read the words
#: on either side of it as one name (not a space, not a word character).
_BLANK = "\u2063"


def _words(text: str) -> list[str]:
    return normalise(text).split()


def _url_key(url: str) -> str:
    return url.rstrip(".,;:!?/").casefold()


# -- evidence --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """What an input supports, in the forms outputs are compared by. ``source`` names the input
    in problem messages ("the facts", "the text")."""

    source: str
    numbers: frozenset[Decimal]
    dates: tuple[DateMention, ...]
    weekdays: frozenset[str]
    passages: str
    words: frozenset[str]
    urls: frozenset[str]
    #: The numbers as the input writes them ("1,200", "4.5", "03"), for constrained decoding.
    figures: frozenset[str]
    #: Every amount of the input with the words that say what it counts.
    uses: tuple[context.Use, ...] = ()
    #: The years the input gives, in dates or as plain four-digit numbers ("by 2028").
    years: frozenset[int] = frozenset()

    @classmethod
    def of(cls, texts: Iterable[str], source: str, dates: Iterable[date] = (),
           urls: Iterable[str] = (), labelled: Iterable[tuple[str, str]] = ()) -> Evidence:
        """Evidence from input texts, plus typed dates and links the input gives as fields, and
        ``labelled`` amounts: (amount, label) pairs such as ("12%", "share of electricity"),
        whose numbers count what the label says."""
        texts, labelled, dates = list(texts), list(labelled), list(dates)
        everything = [*texts, *(amount for amount, _ in labelled)]
        joined = "\n".join(everything)
        mentioned = (*(_date_mention(m) for m in _DATE.finditer(joined)),
                     *(DateMention(d.year, d.month, d.day) for d in dates))
        return cls(
            source=source,
            numbers=frozenset(
                value for match in _NUMBER.finditer(joined) for value in _supported(match)
            ) | frozenset(Decimal(part) for d in dates for part in (d.year, d.day)),
            dates=mentioned,
            weekdays=frozenset(_WEEKDAY.findall(joined)),
            # One padded passage per line: a quotation matches whole words of a single input.
            passages="\n".join(f" {normalise(text)} " for text in everything),
            words=frozenset(_words(joined)),
            urls=frozenset(_url_key(u) for u in (*urls, *_URL.findall(joined))),
            figures=frozenset(_FIGURE.findall(joined)) | frozenset(
                form for d in dates for form in
                (str(d.year), str(d.day), f"{d.day:02d}", f"{d.month:02d}")),
            uses=(*(use for text in texts for use in context.in_text(text, _amounts(text))),
                  *(use for amount, label in labelled
                    for use in context.labelled(amount, _amounts(amount), label))),
            # "by 2028" is a year, "1200 homes" is not.
            years=frozenset(year for m in _NUMBER.finditer(joined)
                            if (year := _year(m)) and not context.unit_after(joined, m.end()))
            | frozenset(mention.year for mention in mentioned if mention.year),
        )


# -- finders: each yields every mention in a text, with a message where it is not grounded ----


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    problem: str | None = None
    code: str | None = None  # None: the finder's code


Finder = Callable[[str, Evidence], Iterator[Mention]]


def _shown(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def _links(text: str, evidence: Evidence) -> Iterator[Mention]:
    for match in _URL.finditer(text):
        grounded = _url_key(match[0]) in evidence.urls
        yield Mention(match.start(), match.end(), None if grounded else (
            f"the link {_shown(match[0])} is not in {evidence.source}; "
            "link only to the sources given there"))


def _quotations(text: str, evidence: Evidence) -> Iterator[Mention]:
    for match in _QUOTATION.finditer(text):
        quoted = next(group for group in match.groups() if group)
        key = normalise(quoted)
        grounded = not key or f" {key} " in evidence.passages
        yield Mention(match.start(), match.end(), None if grounded else (
            f"the quotation {_shown(quoted)} is not word for word in {evidence.source}; quote "
            "only exact words from there, or paraphrase without quotation marks"))


def _dates(text: str, evidence: Evidence) -> Iterator[Mention]:
    for match in _DATE.finditer(text):
        mention = _date_mention(match)
        grounded = any(mention.within(known) for known in evidence.dates)
        yield Mention(match.start(), match.end(), None if grounded else (
            f"the date {_shown(match[0].strip())} is not in {evidence.source}; "
            "use only dates given there"))
    for match in _WEEKDAY.finditer(text):
        grounded = match[0] in evidence.weekdays
        yield Mention(match.start(), match.end(), None if grounded else (
            f"the day {match[0]!r} is not in {evidence.source}; use only dates given there"))


def _numbers(text: str, evidence: Evidence) -> Iterator[Mention]:
    glued = (_FIGURES_AT.match(text, found.end()) for found in _GLUED.finditer(text))
    matches = sorted([*_NUMBER.finditer(text), *filter(None, glued)], key=lambda m: m.start())
    numbers = [(m.start(), m.end(), _mentioned(m)) for m in matches]
    units = context.units_of(evidence.uses)
    for index, match in enumerate(matches):
        if not numbers[index][2] & evidence.numbers:
            yield Mention(match.start(), match.end(), (
                f"the number {_shown(match[0].strip())} is not in {evidence.source}; "
                "use only numbers given there, or leave it out"))
        else:
            yield Mention(match.start(), match.end(),
                          _out_of_context(text, numbers, index, match, evidence, units),
                          "number_out_of_context")


def _out_of_context(text: str, numbers: list[context.Number], index: int, match: re.Match[str],
                    evidence: Evidence, units: frozenset[str]) -> str | None:
    """Why number ``index`` of ``text`` (``match``), which the input has, is not used as the
    input uses it, if it is not. ``units``: the units of the input's numbers."""
    values = numbers[index][2]
    shown = _shown(match[0].strip() + "%" * text.startswith("%", match.end()))
    unit = context.unit_after(text, match.end())
    if _year(match) in evidence.years and unit not in units | {"percent"}:
        return None  # a year the input gives, written as a year
    uses = [use for use in evidence.uses if use.values & values]
    if not uses:
        return (f"the number {shown} is in {evidence.source} only as part of a date, not as "
                "an amount; write the whole date, or leave the number out")
    keys, _ = context.window(text, numbers, index)
    if any(context.fits(use, keys, unit, units) for use in uses):
        return None
    said = " or ".join(repr(use.said) for use in uses[:2])
    return (f"the number {shown} is not used as in {evidence.source}, where it is {said}; "
            "use it only for that, with those words next to it, or leave it out")


def _sources(text: str, evidence: Evidence) -> Iterator[Mention]:
    for pattern in _ATTRIBUTIONS:
        for match in pattern.finditer(text):
            words = _words(match["name"])
            # A sentence's first word is capitalised whatever it is ("Yesterday Doe said"):
            # only a one-word name there is surely the name.
            if len(words) > 1 and text[: match.start("name")].rstrip()[-1:] in ("", *_SENTENCE_END):
                words = words[1:]
            words = [w for w in words if w not in _JOINERS]
            if set(words) <= _UNNAMED:
                continue
            unknown = " ".join(w for w in words if w not in evidence.words)
            yield Mention(match.start("name"), match.end("name"), None if not unknown else (
                f"names {match['name']!r} as a source, but {unknown!r} is not in "
                f"{evidence.source}; attribute only to people and sources given there"))


#: In this order: a grounded link or quotation vouches for the numbers and names inside it, and
#: a date for its day and year, so each finder's mentions are blanked before the next runs.
_FINDERS: tuple[tuple[str, Finder], ...] = (
    ("ungrounded_link", _links),
    ("ungrounded_quote", _quotations),
    ("ungrounded_date", _dates),
    ("ungrounded_number", _numbers),
    ("ungrounded_source", _sources),
)


def check(field: str, text: str, evidence: Evidence) -> list[Problem]:
    """Problems for each mention in ``text`` (the value of ``field``) that ``evidence`` lacks."""
    problems: dict[Problem, None] = {}  # ordered, and a name attributed twice is reported once
    for code, find in _FINDERS:
        mentions = list(find(text, evidence))
        problems.update((Problem(field=field, code=m.code or code, message=m.problem), None)
                        for m in mentions if m.problem)
        for m in mentions:
            text = text[: m.start] + _BLANK * (m.end - m.start) + text[m.end:]
    return list(problems)
