"""A fictional programme with two fiscal-year editions, written as data only (Markdown + YAML).

「架空市 中小企業省エネ設備更新助成金」: SMEs only, a CO2-reduction threshold, a rate/cap table of
two categories by the reduction achieved, two rounds a year, a desk with a phone number and an
official page on example.invalid. The 令和7年度 edition is the programme's first (its id is the
family id); the 令和8年度 edition names it in ``edition_of`` and differs in every figure
(threshold, rates, caps, windows, deadline, page), so an answer shows which edition it came from.

Each edition's YAML quotes its own document verbatim: ``advisor knowledge check`` passes on a
folder holding them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

NAME = "架空市中小企業省エネ設備更新助成金"
ALIAS = "架空市の省エネ助成"
PUBLISHER = "架空市 環境局"
PHONE = "012-345-6789"
DESK = "架空市 環境局 脱炭素推進課 省エネ助成担当"


@dataclass(frozen=True)
class Edition:
    """What changes from one fiscal year's edition to the next."""

    id: str
    edition_of: str | None
    fiscal_year: str  # 令和8年度
    published: str  # YYYY-MM-DD
    slug: str  # the official page: https://example.invalid/kaku-city/shoene/<slug>
    threshold_pct: int  # the minimum CO2 reduction (%)
    rate1: tuple[str, str]  # 区分1 (30%以上): ("2/3", "3分の2")
    cap1: tuple[int, str]  # (10_000_000, "1,000万円")
    rate2: tuple[str, str]  # 区分2 (threshold–30%)
    cap2: tuple[int, str]
    rounds: tuple[tuple[str, str, str], ...]  # (start, end, the document's sentence)
    report_due: tuple[str, str]  # (date, the document's sentence)

    @property
    def url(self) -> str:
        return f"https://example.invalid/kaku-city/shoene/{self.slug}"

    @property
    def title(self) -> str:
        return f"{self.fiscal_year} {NAME} 募集要項"

    def section(self, heading: str) -> str:
        """The heading path of a section of this edition's document."""
        return f"{self.title} > {heading}" if heading else self.title


R7 = Edition(
    id="kaku-city-shoene",
    edition_of=None,
    fiscal_year="令和7年度",
    published="2025-04-01",
    slug="r7",
    threshold_pct=20,
    rate1=("1/2", "2分の1"),
    cap1=(8_000_000, "800万円"),
    rate2=("1/3", "3分の1"),
    cap2=(3_000_000, "300万円"),
    rounds=(
        ("2025-05-12", "2025-06-13", "第1回 2025年5月12日(月)9時から6月13日(金)17時まで（必着）"),
        ("2025-09-01", "2025-10-31", "第2回 2025年9月1日(月)9時から10月31日(金)17時まで（必着）"),
    ),
    report_due=("2026-02-27", "完了実績報告書の提出期限は2026年2月27日(金)とします。"),
)

R8 = Edition(
    id="kaku-city-shoene-r8",
    edition_of=R7.id,
    fiscal_year="令和8年度",
    published="2026-04-01",
    slug="r8",
    threshold_pct=15,
    rate1=("2/3", "3分の2"),
    cap1=(10_000_000, "1,000万円"),
    rate2=("1/2", "2分の1"),
    cap2=(4_000_000, "400万円"),
    rounds=(
        ("2026-05-11", "2026-06-12", "第1回 2026年5月11日(月)9時から6月12日(金)17時まで（必着）"),
        ("2026-09-01", "2026-10-30", "第2回 2026年9月1日(火)9時から10月30日(金)17時まで（必着）"),
    ),
    report_due=("2027-02-26", "完了実績報告書の提出期限は2027年2月26日(金)とします。"),
)

EDITIONS = (R7, R8)

# Headings of the document (below its title).
PURPOSE = "1 事業の目的"
APPLICANTS = "2 助成対象者"
REQUIREMENTS = "3 助成要件"
RATES = "4 助成率及び助成上限額"
WINDOWS = "5 受付期間"
DOCUMENTS = "6 申請書類"
HOW = "7 申請方法"
CONTACT = "8 問合せ先"

PURPOSE_TEXT = (
    "本助成金は、市内の中小企業者が行う省エネルギー設備の更新に要する経費の一部を助成することにより、"
    "事業所における二酸化炭素排出量の削減を促進することを目的とします。"
)
DOCUMENTS_TEXT = (
    "（1）交付申請書（様式第1号）\n"
    "（2）省エネルギー効果計算書（様式第2号）\n"
    "（3）更新する設備の見積書の写し\n"
    "（4）直近の決算書の写し"
)
PASSAGE = "省エネルギー効果計算書（様式第2号）"  # only in 6 申請書類: no programme fact quotes it


def source_markdown(e: Edition) -> str:
    """The edition's 募集要項 as Markdown with front matter."""
    rounds = "\n".join(f"{sentence}" for _, _, sentence in e.rounds)
    return f"""---
id: {e.id}
title: {e.title}
publisher: {PUBLISHER}
url: {e.url}
fiscal_year: {e.fiscal_year}
published: "{e.published}"
retrieved: "{e.published}"
programmes: [{e.id}]
---

# {e.title}

## {PURPOSE}

{PURPOSE_TEXT}

## {APPLICANTS}

市内に事業所を有する中小企業者（中小企業基本法第2条第1項に規定する中小企業者）とします。大企業及びみなし大企業は対象外です。

## {REQUIREMENTS}

設備の更新により、事業所の年間CO2排出量を{e.threshold_pct}%以上削減すること。

## {RATES}

| 区分 | 年間CO2排出量の削減率 | 助成率 | 助成上限額 |
| --- | --- | --- | --- |
| 区分1 | 30%以上 | {e.rate1[1]} | {e.cap1[1]} |
| 区分2 | {e.threshold_pct}%以上30%未満 | {e.rate2[1]} | {e.cap2[1]} |

助成対象経費は、設備費及び工事費とします。消費税及び地方消費税は助成対象外とします。

助成額に千円未満の端数が生じた場合は、これを切り捨てます。

## {WINDOWS}

{rounds}

申請額が予算額を超えた場合は、抽選により交付予定者を決定します。

{e.report_due[1]}

## {DOCUMENTS}

{DOCUMENTS_TEXT}

## {HOW}

申請は、郵送又は電子申請により受け付けます。募集要項及び様式は架空市ホームページ（<{e.url}>）に掲載しています。

## {CONTACT}

{DESK}

電話：{PHONE}
"""


def _ref(e: Edition, heading: str, quote: str) -> dict[str, str]:
    return {"doc": e.id, "section": e.section(heading), "quote": quote}


def _fact(e: Edition, value: str, heading: str, quote: str) -> dict[str, Any]:
    return {"value": value, "source": _ref(e, heading, quote)}


def _window(e: Edition, number: int) -> dict[str, Any]:
    start, end, sentence = e.rounds[number - 1]
    return {
        "id": f"round{number}",
        "label": f"第{number}回",
        "fiscal_year": e.fiscal_year,
        "round": number,
        "start": start,
        "end": end,
        "start_time": "09:00",
        "end_time": "17:00",
        "must_arrive": True,
        "selection": "lottery",
        "source": _ref(e, WINDOWS, sentence),
    }


def programme_data(e: Edition) -> dict[str, Any]:
    """The edition's ``programmes/<id>.yaml`` as data."""
    sme = {"fact": "is_sme", "op": "==", "value": True}
    table_row1 = f"| 区分1 | 30%以上 | {e.rate1[1]} | {e.cap1[1]} |"
    table_row2 = f"| 区分2 | {e.threshold_pct}%以上30%未満 | {e.rate2[1]} | {e.cap2[1]} |"
    costs_quote = "助成対象経費は、設備費及び工事費とします。"
    data: dict[str, Any] = {"id": e.id}
    if e.edition_of:
        data["edition_of"] = e.edition_of
    data |= {
        "published": e.published,
        "kind": "grant",
        "name": _fact(e, NAME, "", NAME),
        "aliases": [ALIAS, "架空市省エネ助成"],
        "publisher": _fact(e, PUBLISHER, CONTACT, PUBLISHER),
        "url": _fact(e, e.url, HOW, f"<{e.url}>"),
        "summary": _fact(
            e,
            "市内の中小企業者が行う省エネルギー設備の更新に要する経費の一部を助成する事業。",
            PURPOSE,
            "市内の中小企業者が行う省エネルギー設備の更新に要する経費の一部を助成する",
        ),
        "fiscal_year": _fact(e, e.fiscal_year, "", e.fiscal_year),
        "target_applicants": [
            _fact(
                e,
                "市内に事業所を有する中小企業者",
                APPLICANTS,
                "市内に事業所を有する中小企業者",
            )
        ],
        "inputs": [
            {
                "name": "is_sme",
                "type": "bool",
                "label": "中小企業者に該当するか",
                "question": "貴社は中小企業基本法上の中小企業者に該当しますか？",
            },
            {
                "name": "co2_reduction_pct",
                "type": "percent",
                "label": "年間CO2排出量の削減率",
                "question": "設備の更新で、事業所の年間CO2排出量を何%削減できますか？",
            },
        ],
        "eligibility": [
            {
                "id": "sme_only",
                "description": "中小企業者であること",
                "condition": sme,
                "fail_reason": "中小企業者のみが対象です（大企業及びみなし大企業は対象外）。",
                "source": _ref(e, APPLICANTS, "大企業及びみなし大企業は対象外です。"),
            },
            {
                "id": "reduction",
                "description": f"年間CO2排出量を{e.threshold_pct}%以上削減すること",
                "condition": {"fact": "co2_reduction_pct", "op": ">=", "value": e.threshold_pct},
                "fail_reason": f"年間CO2排出量を{e.threshold_pct}%以上削減する設備更新が対象です。",
                "source": _ref(e, REQUIREMENTS, f"年間CO2排出量を{e.threshold_pct}%以上削減すること"),
            },
        ],
        "calculation": {
            "kind": "rate_cap",
            "cost_items": [
                {"id": "equipment", "name": "設備費", "source": _ref(e, RATES, costs_quote)},
                {"id": "construction", "name": "工事費", "source": _ref(e, RATES, costs_quote)},
            ],
            "excluded_costs": [
                {
                    "id": "consumption_tax",
                    "name": "消費税",
                    "reason": "消費税及び地方消費税は助成対象外",
                    "source": _ref(e, RATES, "消費税及び地方消費税は助成対象外とします。"),
                }
            ],
            "categories": [
                {
                    "id": "1",
                    "name": "年間CO2排出量30%以上削減",
                    "description": f"削減率30%以上。助成率{e.rate1[1]}、上限{e.cap1[1]}。",
                    "when": {"fact": "co2_reduction_pct", "op": ">=", "value": 30},
                    "rate": e.rate1[0],
                    "cap_yen": e.cap1[0],
                    "eligible_items": ["equipment", "construction"],
                    "source": _ref(e, RATES, table_row1),
                },
                {
                    "id": "2",
                    "name": f"年間CO2排出量{e.threshold_pct}%以上30%未満削減",
                    "description": (
                        f"削減率{e.threshold_pct}%以上30%未満。助成率{e.rate2[1]}、上限{e.cap2[1]}。"
                    ),
                    "when": {
                        "all": [
                            {"fact": "co2_reduction_pct", "op": ">=", "value": e.threshold_pct},
                            {"fact": "co2_reduction_pct", "op": "<", "value": 30},
                        ]
                    },
                    "rate": e.rate2[0],
                    "cap_yen": e.cap2[0],
                    "eligible_items": ["equipment", "construction"],
                    "source": _ref(e, RATES, table_row2),
                },
            ],
            "rounding": {
                "rule": "floor",
                "unit_yen": 1000,
                "stated": True,
                "source": _ref(e, RATES, "助成額に千円未満の端数が生じた場合は、これを切り捨てます。"),
            },
        },
        "windows": [_window(e, 1), _window(e, 2)],
        "deadlines": [
            {
                "id": "report",
                "label": "完了実績報告書の提出期限",
                "kind": "report",
                "date": e.report_due[0],
                "windows": ["round1", "round2"],
                "source": _ref(e, WINDOWS, e.report_due[1]),
            }
        ],
        "notes": [
            _fact(
                e,
                "申請は、郵送又は電子申請により受け付ける。",
                HOW,
                "申請は、郵送又は電子申請により受け付けます。",
            )
        ],
        "contacts": [
            {
                "label": "問合せ先",
                "organisation": DESK,
                "phone": PHONE,
                "source": _ref(e, CONTACT, f"電話：{PHONE}"),
            }
        ],
        "vocabulary": {"short_name": "架空市省エネ助成", "order": 50, "topics": ["架空市"]},
    }
    return data


def write_edition(knowledge_dir: Path, e: Edition) -> None:
    """``sources/<id>.md`` and ``programmes/<id>.yaml`` of one edition: nothing else."""
    (knowledge_dir / "sources" / f"{e.id}.md").write_text(source_markdown(e), encoding="utf-8")
    text = yaml.safe_dump(programme_data(e), allow_unicode=True, sort_keys=False)
    (knowledge_dir / "programmes" / f"{e.id}.yaml").write_text(text, encoding="utf-8")


def write_editions(knowledge_dir: Path) -> None:
    for edition in EDITIONS:
        write_edition(knowledge_dir, edition)
