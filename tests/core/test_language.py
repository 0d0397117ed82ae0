"""``LanguageTag``: any letter case in, the case RFC 5646 recommends out; bad tags refused."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from aigc_core.language import LanguageTag

TAG = TypeAdapter(LanguageTag)


@pytest.mark.parametrize(("given", "canonical"), [
    ("en", "en"), ("EN", "en"), ("pt-br", "pt-BR"), ("PT-BR", "pt-BR"),
    ("zh-hans", "zh-Hans"), ("ZH-HANT-tw", "zh-Hant-TW"), ("es-419", "es-419"),
    ("sl-ROZAJ", "sl-rozaj"), ("yue", "yue"),
])
def test_any_case_is_accepted_and_normalised(given, canonical):
    assert TAG.validate_python(given) == canonical


@pytest.mark.parametrize("bad", ["english", "e", "en_US", "en-", "-en", "en-x", "zh-" + "a" * 9,
                                 "en-" + "-".join(["ab"] * 12)])  # 38 > 35 characters
def test_what_is_no_tag_is_refused(bad):
    with pytest.raises(ValidationError):
        TAG.validate_python(bad)
