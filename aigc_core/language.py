"""``LanguageTag``: the BCP 47 language tag every generator takes, checked one way.

A tag is a 2-3 letter language subtag and any number of 2-8 character subtags (``en``,
``pt-BR``, ``zh-Hans-CN``, ``es-419``). Any letter case is accepted and written back in the
case RFC 5646 recommends (section 2.1.1): ``EN`` -> ``en``, ``pt-br`` -> ``pt-BR``,
``zh-hans`` -> ``zh-Hans``. Case carries no meaning in a tag, so refusing ``EN`` would only
fail a job a person wrote correctly; normalising means prompts, tables keyed by tag and
results all see one spelling.

    class ArticleInput(BaseModel):
        language: Annotated[LanguageTag, Field(description="The language to write in.")] = "en"
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, StringConstraints

#: The longest tag a field accepts: RFC 5646 asks implementations to take at least 35.
MAX_TAG_LENGTH = 35
_PATTERN = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$"


def _subtag_case(subtag: str) -> str:
    if len(subtag) == 4 and subtag.isalpha():
        return subtag.title()  # a script: Hans, Latn
    if len(subtag) == 2 and subtag.isalpha():
        return subtag.upper()  # a region: BR, CN
    return subtag.lower()  # a numeric region (419), a variant, an extension's subtags


def canonical_case(tag: str) -> str:
    """``tag`` in the letter case RFC 5646 recommends; its subtags are left as they are."""
    language, *rest = tag.split("-")
    return "-".join([language.lower(), *map(_subtag_case, rest)])


LanguageTag = Annotated[
    str,
    StringConstraints(pattern=_PATTERN, max_length=MAX_TAG_LENGTH),
    AfterValidator(canonical_case),
]


#: English names of languages by primary subtag, for messages a person or a model reads.
LANGUAGE_NAMES: dict[str, str] = {
    "af": "Afrikaans", "am": "Amharic", "ar": "Arabic", "as": "Assamese", "az": "Azerbaijani",
    "be": "Belarusian", "bg": "Bulgarian", "bn": "Bengali", "bs": "Bosnian", "ca": "Catalan",
    "cs": "Czech", "cy": "Welsh", "da": "Danish", "de": "German", "el": "Greek",
    "en": "English", "eo": "Esperanto", "es": "Spanish", "et": "Estonian", "eu": "Basque",
    "fa": "Persian", "fi": "Finnish", "fil": "Filipino", "fr": "French", "ga": "Irish",
    "gl": "Galician", "gu": "Gujarati", "he": "Hebrew", "hi": "Hindi", "hr": "Croatian",
    "hu": "Hungarian", "hy": "Armenian", "id": "Indonesian", "is": "Icelandic",
    "it": "Italian", "ja": "Japanese", "ka": "Georgian", "kk": "Kazakh", "km": "Khmer",
    "kn": "Kannada", "ko": "Korean", "lo": "Lao", "lt": "Lithuanian", "lv": "Latvian",
    "mk": "Macedonian", "ml": "Malayalam", "mn": "Mongolian", "mr": "Marathi", "ms": "Malay",
    "mt": "Maltese", "my": "Burmese", "nb": "Norwegian Bokmål", "ne": "Nepali",
    "nl": "Dutch", "nn": "Norwegian Nynorsk", "no": "Norwegian", "pa": "Punjabi",
    "pl": "Polish", "pt": "Portuguese", "ro": "Romanian", "ru": "Russian", "si": "Sinhala",
    "sk": "Slovak", "sl": "Slovenian", "sq": "Albanian", "sr": "Serbian", "sv": "Swedish",
    "sw": "Swahili", "ta": "Tamil", "te": "Telugu", "th": "Thai", "tl": "Tagalog",
    "tr": "Turkish", "uk": "Ukrainian", "ur": "Urdu", "uz": "Uzbek", "vi": "Vietnamese",
    "yue": "Cantonese", "zh": "Chinese",
}


def language_name(tag: str) -> str:
    """``"fr"`` -> ``"French"``, ``"pt-BR"`` -> ``"Portuguese (pt-BR)"``; unknown: the tag."""
    known = LANGUAGE_NAMES.get(tag.split("-", 1)[0].lower())
    if known is None:
        return tag
    return known if "-" not in tag else f"{known} ({tag})"
