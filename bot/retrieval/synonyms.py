"""Domain synonyms for lexical search: grant wording varies (補助金/助成金, 上限額/限度額…).

Queries are expanded: every group a query mentions adds its other members, tokenised by
the same tokenizer as the documents (so expansions match document tokens consistently).
Expansion terms get a lower BM25 weight than the user's own words (see ``lexical.py``).
Matching is on NFKC-normalised text, longest surface first, and a matched span is consumed
(so 補助対象経費 triggers the 対象経費 group, not 補助金).
"""

from __future__ import annotations

import unicodedata

SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = (
    ("補助金", "助成金", "補助", "助成", "支援金"),
    ("補助率", "助成率"),
    ("上限額", "限度額", "助成上限額", "補助上限額", "助成限度額", "補助限度額", "上限"),
    ("中小企業", "SME", "中小", "中小事業者"),
    ("締切", "締め切り", "期限", "受付期間", "申請期間", "公募期間", "いつまで"),
    ("対象経費", "補助対象経費", "助成対象経費"),
    ("ゼロエミ", "ゼロエミッション"),
    ("温室効果ガス", "GHG", "CO2", "二酸化炭素"),
    ("省エネ", "省エネルギー"),
    ("再エネ", "再生可能エネルギー"),
    ("太陽光", "太陽光発電", "ソーラー", "PV"),
    ("申請", "応募", "交付申請"),
    ("問い合わせ", "問合せ", "お問い合わせ", "お問合せ", "連絡先", "窓口"),
    ("対象者", "助成対象者", "補助対象者", "対象事業者", "申請者"),
    ("カーボンクレジット", "クレジット", "J-クレジット", "排出権"),
    ("カーボンニュートラル", "CN", "脱炭素"),
    ("LED", "LED照明", "照明"),
    ("空調", "エアコン", "空調設備"),
)


def _normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).upper()


_SURFACES: list[tuple[str, int]] = sorted(
    ((_normalize(term), index) for index, group in enumerate(SYNONYM_GROUPS) for term in group),
    key=lambda item: -len(item[0]),
)


def find_groups(query: str) -> list[int]:
    """Indices of the synonym groups a query mentions (longest match first, spans consumed)."""
    text = _normalize(query)
    taken = [False] * len(text)
    found: list[int] = []
    for surface, group in _SURFACES:
        start = text.find(surface)
        while start >= 0:
            end = start + len(surface)
            if not any(taken[start:end]):
                taken[start:end] = [True] * len(surface)
                if group not in found:
                    found.append(group)
            start = text.find(surface, end)
    return found


def expand_query(query: str) -> list[str]:
    """The synonym terms to add to ``query`` (members of mentioned groups it does not contain)."""
    text = _normalize(query)
    extra: list[str] = []
    for group in find_groups(query):
        for term in SYNONYM_GROUPS[group]:
            if _normalize(term) not in text and term not in extra:
                extra.append(term)
    return extra
