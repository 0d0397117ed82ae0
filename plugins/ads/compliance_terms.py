"""Jurisdiction compliance presets as data: restricted advertising terms and the law behind them.

Each restriction is a term (what a report names) and, where the plain term would flag lawful
uses, a regular expression with those uses carved out. Matching is case-insensitive on NFKC
text; occurrences inside the product or brand name given in the input are exempt (see
``compliance.py``), and where two restrictions overlap the longer one is reported.

China (Advertising Law Art. 9(3), read with SAMR's 2023 enforcement guideline on absolute terms):

* flagged: "最" + anything, 第一, 唯一, 国家级, 最高级, 最佳, 极品, 顶级, 首选, 独家, 全网第一 and
  the other absolute terms below, in simplified and traditional script;
* exempt by pattern: temporal words that rank nothing (最近, 最后/最後, 最初, 最终/最終), ordinals
  that count steps or occasions (第一次, 第一步, 第一天 ...), consumer tips the guideline names
  (最佳食用期, 最佳饮用温度 ...);
* 最新 ("newest") is contested: the guideline accepts time-order statements only when limited to
  a stated time, so a bare 最新 is flagged and one right after a date word (2024年最新, 本月最新)
  is allowed.

US/EU: objective superiority and performance claims need substantiation the copy cannot carry
(FTC Act s.5 and the FTC substantiation policy; Directive 2005/29/EC on unfair commercial
practices, Arts. 6-7 and Annex I), so these terms are flagged for review.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from .terms import literal_pattern


@dataclass(frozen=True)
class Restriction:
    term: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class Jurisdiction:
    code: str
    basis: str
    advice: str
    restrictions: tuple[Restriction, ...]
    #: The restriction as the prompt states it. It names no term on purpose: a small model
    #: copies the words it is told to avoid.
    hint: str


def _table(rows: tuple[tuple[str, str | None], ...]) -> tuple[Restriction, ...]:
    """Build restrictions from ``(term, regex or None)``; None means the literal term."""
    return tuple(
        Restriction(term, re.compile(regex, re.IGNORECASE) if regex else literal_pattern(term))
        for term, regex in rows
    )


_CN_ROWS: tuple[tuple[str, str | None], ...] = (
    # 最佳 and 最新 have their own rows with their own exemptions.
    ("最", r"最(?![近后後初终終新佳])\w?"),
    ("最新", r"(?<![年月日季周])最新"),
    ("最佳", r"最佳(?!(?:食用|饮用|飲用|赏味|賞味|使用|保存)(?:期|时间|時間|温度|溫度|方法))"),
    ("第一", r"第一(?![次步天期季周章课課页頁届屆])"),
    ("全网第一", None), ("全國第一", None), ("全国第一", None), ("销量第一", None),
    ("第一品牌", None), ("唯一", None), ("独一无二", None), ("獨一無二", None),
    ("国家级", None), ("國家級", None), ("世界级", None), ("世界級", None),
    ("全球级", None), ("最高级", None), ("最高級", None),
    ("极品", None), ("極品", None), ("顶级", None), ("頂級", None), ("顶尖", None), ("頂尖", None),
    ("首选", None), ("首選", None), ("独家", None), ("獨家", None), ("首家", None),
    ("首个", None), ("首個", None), ("绝对", None), ("絕對", None), ("极致", None), ("極致", None),
    ("终极", None), ("終極", None), ("万能", None), ("萬能", None), ("永久", None), ("王牌", None),
    ("领袖品牌", None), ("领导品牌", None), ("绝无仅有", None), ("史无前例", None),
    ("前无古人", None), ("销量冠军", None), ("100%", None),
    ("NO.1", r"(?<![A-Za-z0-9])no\.?\s?1(?![0-9])"),
    ("TOP1", r"(?<![A-Za-z0-9])top\s?1(?![0-9])"),
)

_CLAIM_ROWS: tuple[tuple[str, str | None], ...] = (
    ("best", None),
    ("#1", r"(?<![A-Za-z0-9])#\s?1(?![0-9])"),
    ("number one", None),
    ("no. 1", r"(?<![A-Za-z0-9])no\.\s?1(?![0-9])"),
    ("guaranteed", r"(?<![A-Za-z])guarantee[ds]?(?![A-Za-z])"),
    ("100% effective", None),
    ("clinically proven", None),
    ("risk-free", r"(?<![A-Za-z])risk[\s-]?free(?![A-Za-z])"),
    ("cheapest", None),
    ("lowest price", r"(?<![A-Za-z])lowest\s+prices?(?![A-Za-z])"),
    ("unbeatable", None),
    ("world-leading", r"(?<![A-Za-z])world(?:'s|’s|-|\s)\s?leading(?![A-Za-z])"),
)

_CLAIMS = _table(_CLAIM_ROWS)
_CLAIM_HINT = "no superlatives, rankings, guarantees or claims you cannot prove"

JURISDICTIONS: dict[str, Jurisdiction] = {
    "cn": Jurisdiction(
        code="cn",
        basis="China Advertising Law Art. 9(3) bans absolute terms",
        advice="describe the concrete benefit instead",
        restrictions=_table(_CN_ROWS),
        hint="no superlatives, rankings or other absolute claims",
    ),
    "us": Jurisdiction(
        code="us",
        basis="US FTC Act s.5: objective claims need substantiation",
        advice="state a verifiable fact instead or drop the claim",
        restrictions=_CLAIMS,
        hint=_CLAIM_HINT,
    ),
    "eu": Jurisdiction(
        code="eu",
        basis="EU Unfair Commercial Practices Directive 2005/29/EC: unsubstantiated claims "
              "mislead",
        advice="state a verifiable fact instead or drop the claim",
        restrictions=_CLAIMS,
        hint=_CLAIM_HINT,
    ),
}

JurisdictionCode = Literal["cn", "us", "eu"]
