"""Programmes are data, not code: a fictional programme written as YAML + Markdown just works."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from bot.knowledge.loader import KnowledgeBase, load_knowledge
from bot.tools.eligibility import check_eligibility
from bot.tools.grant import calculate_grant
from bot.tools.grant_models import GrantInput
from bot.tools.recommend import recommend_category
from bot.tools.schemas import run_tool
from bot.tools.status import application_status

SOURCE_MD = """---
id: fictional-heat-pump
title: 架空ヒートポンプ導入助成事業 募集要項
publisher: 架空県 環境部
url: https://example.invalid/heat-pump
published: "2026-04-01"
retrieved: "2026-04-02"
programmes: [fictional-heat-pump, fictional-form-subsidy]
---

# 架空ヒートポンプ導入助成事業

## 対象者

県内に事業所を有する事業者。

## 助成率と上限

| 区分 | 助成率 | 上限額 |
| 中小企業 | 1/2 | 300万円 |
| 中小企業以外 | 1/3 | 100万円 |

対象経費は設備費及び工事費。消費税は対象外とする。
助成額に千円未満の端数があるときは、これを切り捨てる。

## 要件

年間CO2削減率が20%以上であること。

## 受付期間

第1回 2026年5月11日(月)9時から5月22日(金)17時まで（必着）。
第2回 2026年9月1日(火)9時から9月11日(金)17時まで（必着）。
申請が予算を超えた場合は抽選とする。
実績報告の期限は2027年2月26日。

## 経費内訳書

(1) 総事業費 (2) 補助対象経費 (3) (1)と(2)の少ない方 (4) 補助金額 (3)×1/4
"""


def _ref(quote: str, section: str) -> dict[str, str]:
    return {"doc": "fictional-heat-pump", "section": section, "quote": quote}


def _fact(value: str) -> dict[str, object]:
    return {"value": value, "source": _ref("架空ヒートポンプ導入助成事業", "架空ヒートポンプ導入助成事業")}


RATES = "架空ヒートポンプ導入助成事業 > 助成率と上限"
WINDOWS = "架空ヒートポンプ導入助成事業 > 受付期間"
FORM = "架空ヒートポンプ導入助成事業 > 経費内訳書"


def _window(number: int, start: str, end: str, quote: str) -> dict[str, object]:
    return {
        "id": f"r{number}",
        "label": f"第{number}回",
        "fiscal_year": "令和8年度",
        "round": number,
        "start": start,
        "end": end,
        "start_time": "09:00",
        "end_time": "17:00",
        "must_arrive": True,
        "selection": "lottery",
        "source": _ref(quote, WINDOWS),
    }


HEAT_PUMP = {
    "id": "fictional-heat-pump",
    "kind": "grant",
    "name": _fact("架空ヒートポンプ導入助成事業"),
    "publisher": _fact("架空県 環境部"),
    "url": _fact("https://example.invalid/heat-pump"),
    "summary": _fact("架空ヒートポンプ導入助成事業"),
    "inputs": [
        {"name": "is_sme", "type": "bool", "label": "中小企業か", "question": "中小企業ですか？"},
        {
            "name": "in_prefecture",
            "type": "bool",
            "label": "県内事業所",
            "question": "県内に事業所がありますか？",
        },
        {
            "name": "reduction_pct",
            "type": "percent",
            "label": "CO2削減率",
            "question": "CO2削減率は何%ですか？",
        },
    ],
    "eligibility": [
        {
            "id": "office",
            "description": "県内に事業所を有すること",
            "condition": {"fact": "in_prefecture", "op": "==", "value": True},
            "fail_reason": "県内に事業所がある事業者のみ対象です。",
            "source": _ref("県内に事業所を有する事業者。", "架空ヒートポンプ導入助成事業 > 対象者"),
        },
        {
            "id": "reduction",
            "description": "年間CO2削減率が20%以上",
            "condition": {"fact": "reduction_pct", "op": ">=", "value": 20},
            "fail_reason": "削減率20%以上が必要です。",
            "source": _ref("年間CO2削減率が20%以上であること。", "架空ヒートポンプ導入助成事業 > 要件"),
        },
    ],
    "calculation": {
        "kind": "rate_cap",
        "cost_items": [
            {"id": "equipment", "name": "設備費", "source": _ref("対象経費は設備費及び工事費。", RATES)},
            {"id": "works", "name": "工事費", "source": _ref("対象経費は設備費及び工事費。", RATES)},
        ],
        "excluded_costs": [
            {
                "id": "tax",
                "name": "消費税",
                "reason": "消費税は対象外",
                "source": _ref("消費税は対象外とする。", RATES),
            }
        ],
        "categories": [
            {
                "id": "sme",
                "name": "中小企業",
                "description": "中小企業",
                "when": {"fact": "is_sme", "op": "==", "value": True},
                "rate": "1/2",
                "cap_yen": 3_000_000,
                "eligible_items": ["equipment", "works"],
                "source": _ref("| 中小企業 | 1/2 | 300万円 |", RATES),
            },
            {
                "id": "other",
                "name": "中小企業以外",
                "description": "中小企業以外",
                "when": {"fact": "is_sme", "op": "==", "value": False},
                "rate": "1/3",
                "cap_yen": 1_000_000,
                "eligible_items": ["equipment"],
                "source": _ref("| 中小企業以外 | 1/3 | 100万円 |", RATES),
            },
        ],
        "rounding": {
            "rule": "floor",
            "unit_yen": 1000,
            "stated": True,
            "source": _ref("助成額に千円未満の端数があるときは、これを切り捨てる。", RATES),
        },
    },
    "windows": [
        _window(1, "2026-05-11", "2026-05-22", "第1回 2026年5月11日(月)9時から5月22日(金)17時まで（必着）。"),
        _window(2, "2026-09-01", "2026-09-11", "第2回 2026年9月1日(火)9時から9月11日(金)17時まで（必着）。"),
    ],
    "deadlines": [
        {
            "id": "report",
            "label": "実績報告の期限",
            "kind": "report",
            "date": "2027-02-26",
            "windows": ["r1", "r2"],
            "source": _ref("実績報告の期限は2027年2月26日。", WINDOWS),
        }
    ],
}


def _line(line_id: str, label: str, op: str, **extra: object) -> dict[str, object]:
    return {
        "id": line_id,
        "label": label,
        "op": op,
        "source": _ref("(1) 総事業費 (2) 補助対象経費", FORM),
        **extra,
    }


FORM_SUBSIDY = {
    **{key: HEAT_PUMP[key] for key in ("name", "publisher", "url", "summary")},
    "id": "fictional-form-subsidy",
    "kind": "subsidy",
    "calculation": {
        "kind": "worksheet",
        "lines": [
            _line("1", "総事業費", "input", input="total_cost"),
            _line("2", "補助対象経費", "input", input="eligible_cost"),
            _line("3", "基本額", "min", args=["1", "2"]),
            _line("4", "補助金額", "multiply", args=["3"], factor="1/4"),
        ],
        "result_line": "4",
    },
}


@pytest.fixture
def knowledge(tmp_path: Path) -> KnowledgeBase:
    root = tmp_path / "knowledge"
    (root / "sources").mkdir(parents=True)
    (root / "programmes").mkdir()
    (root / "sources" / "fictional-heat-pump.md").write_text(SOURCE_MD, encoding="utf-8")
    for data in (HEAT_PUMP, FORM_SUBSIDY):
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        (root / "programmes" / f"{data['id']}.yaml").write_text(text, encoding="utf-8")
    return load_knowledge(root)


def test_every_quote_is_in_the_source(knowledge: KnowledgeBase) -> None:
    body = knowledge.sources["fictional-heat-pump"].body
    for programme in knowledge.programmes.values():
        assert all(ref.quote in body for ref in programme.sources())


def test_calculate_grant_on_a_new_programme(knowledge: KnowledgeBase) -> None:
    programme = knowledge.programme("fictional-heat-pump")
    result = calculate_grant(
        programme,
        GrantInput(facts={"is_sme": True}, costs={"設備費": 2_000_001, "works": 500_000, "tax": 250_000}),
    )
    assert (result.category.id, result.eligible_cost_yen, result.amount_yen) == ("sme", 2_500_001, 1_250_000)
    assert "→ 1,000円未満切り捨て → 1,250,000円" in result.steps[3]
    assert result.rounding.stated and result.warnings == []
    assert [x.name for x in result.excluded] == ["消費税"]
    capped = calculate_grant(
        programme, GrantInput(facts={"is_sme": "いいえ"}, costs={"equipment": 9_000_000})
    )
    assert (capped.amount_yen, capped.capped) == (1_000_000, True)


def test_recommend_category_on_a_new_programme(knowledge: KnowledgeBase) -> None:
    recommendation = recommend_category(
        knowledge.programme("fictional-heat-pump"), {"is_sme": False}, {"works": 1}
    )
    assert recommendation.lines == [
        "中小企業: 要件未達（中小企業か: いいえ（必要: はい））",
        "中小企業以外: 対象 → 0円",
    ]


def test_check_eligibility_on_a_new_programme(knowledge: KnowledgeBase) -> None:
    programme = knowledge.programme("fictional-heat-pump")
    assert check_eligibility(programme, {"in_prefecture": True, "reduction_pct": "20%"}).status == "eligible"
    short = check_eligibility(programme, {"in_prefecture": True, "reduction_pct": "19.9%"})
    assert short.status == "not_eligible" and short.rules[1].details == ["CO2削減率 19.9% < 20%"]
    assert [m.question for m in check_eligibility(programme, {}).missing] == [
        "県内に事業所がありますか？",
        "CO2削減率は何%ですか？",
    ]


def test_application_status_on_a_new_programme(knowledge: KnowledgeBase) -> None:
    result = application_status(knowledge.programme("fictional-heat-pump"), dt.date(2026, 5, 20))
    assert [w.state for w in result.windows] == ["open", "upcoming"]
    assert result.windows[0].sentence.startswith(
        "令和8年度 第1回は受付中です（2026年5月11日9時から5月22日17時必着、締切まであと2日）。"
    )
    assert result.windows[0].sentence.endswith("選考方法: 抽選（先着順ではありません）。")
    later = application_status(knowledge.programme("fictional-heat-pump"), dt.date(2026, 12, 1))
    assert later.closed_fiscal_years == ["令和8年度"]
    assert later.summary.endswith("次の期限: 実績報告の期限（2027年2月26日、あと87日）。")


def test_worksheet_and_tool_registry_on_new_programmes(knowledge: KnowledgeBase) -> None:
    data = run_tool(
        "calculate_grant",
        {
            "programme_id": "fictional-form-subsidy",
            "facts": {"total_cost": "500万円", "eligible_cost": 4_000_001},
        },
        knowledge.programmes,
    )
    assert (
        data["amount_yen"] == 1_000_000 and data["rate"] == "1/4" and data["eligible_cost_yen"] == 4_000_001
    )
    assert data["steps"][2] == "(3) 基本額 = (1)と(2)の少ない方 = min(5,000,000円, 4,000,001円) = 4,000,001円"
