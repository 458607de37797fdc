"""Slot extraction from Japanese: amounts by label, quantities, company facts, negations."""

from __future__ import annotations

from typing import Any

import pytest
from programme_ids import CC, JVER, SAF, ZE

from bot.agent.offline.slots import answer_pending, derive_sme, extract
from bot.config import PROJECT_ROOT
from bot.knowledge.loader import KnowledgeBase, load_knowledge


@pytest.fixture(scope="module")
def knowledge() -> KnowledgeBase:
    return load_knowledge(PROJECT_ROOT / "knowledge")


@pytest.mark.parametrize(
    ("programme", "text", "expected"),
    [
        # company size and type
        (ZE, "中小企業です", {"is_sme": True, "org_type": "sme_company"}),
        (CC, "うち中小。", {"is_sme": True}),
        (ZE, "大企業です", {"is_sme": False, "org_type": "large_company"}),
        (ZE, "うちは中小企業ではありません", {"is_sme": False}),
        (CC, "中小企業以外はどうなる？", {"is_sme": False}),
        (ZE, "学校法人です", {"org_type": "school_corp"}),
        (ZE, "医療法人ですが", {"org_type": "medical_corp"}),
        (JVER, "市役所（地方公共団体）です", {"org_type": "local_government"}),
        (CC, "卸売業で資本金8000万円、従業員150人", {"capital_yen": 80_000_000, "employees": 150}),
        # diagnosis, consulting, own plan — and their negations
        (ZE, "省エネ診断を受けました", {"energy_diagnosis": True, "diagnosis_consulting": True}),
        (ZE, "省エネコンサルティングと省エネ診断の両方を受けた", {"diagnosis_consulting": True}),
        (ZE, "省エネ診断は受けていない", {"energy_diagnosis": False, "diagnosis_consulting": False}),
        (ZE, "診断は受けていませんが、自社で計画を作ります", {"energy_diagnosis": False, "self_plan": True}),
        (ZE, "自分らで計画立てて", {"self_plan": True}),
        (ZE, "自社で計画はしていない", {"self_plan": False}),
        # CO2 reduction: tonnes and percent, full-width and kanji numerals
        (ZE, "年間CO2を30トン削減できます", {"co2_reduction_t": "30"}),
        (ZE, "削減量は３０ｔ－ＣＯ２", {"co2_reduction_t": "30"}),
        (ZE, "三十トン減らせる", {"co2_reduction_t": "30"}),
        (ZE, "年2.5t減", {"co2_reduction_t": "2.5"}),
        (ZE, "CO2を35％削減", {"co2_reduction_pct": "35"}),
        (ZE, "排出を3割削減", {"co2_reduction_pct": "30"}),
        (ZE, "CO2削減率は25%です", {"co2_reduction_pct": "25"}),  # 削減率 is the reduction, not a grant rate
        (SAF, "羽田・成田で給油したSAFは4割です", {"haneda_narita_share_pct": "40"}),
        # the share said of somewhere else does not replace the one named (「海外が6割」)
        (SAF, "成田で給油したのが3割で、残りの7割は海外です", {"haneda_narita_share_pct": "30"}),
        # location
        (ZE, "都内に事務所があります", {"located_in_tokyo": True}),
        (CC, "東京の会社です", {"located_in_tokyo": True}),
        (CC, "大阪本社で都内に事務所はないです", {"located_in_tokyo": False}),
        (ZE, "横浜（神奈川県）の工場です", {"located_in_tokyo": False}),
        (CC, "名古屋の部品メーカーで、東京には支店も事務所もないです", {"located_in_tokyo": False}),
        (CC, "本社は埼玉だけど東京にも営業所があります", {"located_in_tokyo": True}),
        (CC, "東京にも事務所があります", {"located_in_tokyo": True}),
        (
            CC,
            "買ったクレジットで相殺して、カーボンニュートラルな展示会としてPRします",
            {"offset_branding_project": True},
        ),
        # other yes/no facts
        (ZE, "温対報告書も出します", {"submits_warming_report": True}),
        (SAF, "都内の貨物代理店です", {"freight_forwarder": True, "located_in_tokyo": True}),
        (SAF, "荷主です", {"freight_forwarder": False}),
        (SAF, "他の補助金は受けていません", {"other_subsidy_same_project": False}),
        (SAF, "国の補助金ももらってる。他の補助金を受けています", {"other_subsidy_same_project": True}),
        (SAF, "滞納はありません", {"tax_arrears": False}),
        (
            CC,
            "東京都カーボンクレジットマーケットで買ったクレジットでオフセットしてPRしたい",
            {
                "uses_tokyo_credit_market": True,
                "offset_branding_project": True,
            },
        ),
        (CC, "Jクレジットを仲介業者から直接買った", {"uses_tokyo_credit_market": False}),
        # amounts: a total, items, worksheet lines
        (ZE, "対象経費は8,000万円です", {"eligible_cost_yen": 80_000_000, "costs": None}),
        (ZE, "経費１２００万円", {"eligible_cost_yen": 12_000_000}),
        (ZE, "費用は千五百万円", {"eligible_cost_yen": 15_000_000}),
        (ZE, "二千四百万円かかる", {"eligible_cost_yen": 24_000_000}),
        (ZE, "設備と工事で1,200万円", {"eligible_cost_yen": 12_000_000}),
        (ZE, "追加工事が出て4500万になりそう", {"eligible_cost_yen": 45_000_000}),
        (
            ZE,
            "設計費150万、設備費600万、工事費150万",
            {
                "costs": {"design": 1_500_000, "equipment": 6_000_000, "construction": 1_500_000},
                "eligible_cost_yen": None,
            },
        ),
        (
            CC,
            "プロモーション費300万円と算定費60万円",
            {"costs": {"promotion": 3_000_000, "ghg_calculation": 600_000}},
        ),
        (
            CC,
            "プロモ費用120万、排出量算定の費用40万",
            {"costs": {"promotion": 1_200_000, "ghg_calculation": 400_000}},
        ),
        (
            SAF,
            "SAF上乗せ料金200万に消費税20万。消費税込みの220万",
            {
                "costs": {"saf_surcharge": 2_000_000, "consumption_tax": 200_000},
            },
        ),
        (SAF, "上乗せ料金は300万（荷主も大企業）", {"costs": {"saf_surcharge": 3_000_000}}),
        (
            JVER,
            "総事業費1,200万円・寄付金200万円・補助対象経費900万円",
            {
                "total_project_cost": 12_000_000,
                "donations_income": 2_000_000,
                "eligible_cost_planned": 9_000_000,
            },
        ),
        (
            JVER,
            "寄付金はなし。補助対象経費は2700万です",
            {"donations_income": 0, "eligible_cost_planned": 27_000_000},
        ),
        (JVER, "寄付金が0円だったら", {"donations_income": 0}),
        (
            CC,
            "排出量の算定費40万円とPR費120万円ならいくら？",
            {"costs": {"ghg_calculation": 400_000, "promotion": 1_200_000}},
        ),
        (CC, "すみません、うちは中小企業じゃなかったです", {"is_sme": False, "org_type": "large_company"}),
        (ZE, "調べたら中小企業ではなかった。", {"is_sme": False}),
        (SAF, "中小のフォワーダーとして参加します", {"is_sme": True}),
        # the own-plan route chosen: the consulting route is not the one taken
        (ZE, "計画は自分たちで作って年4t削減します", {"self_plan": True}),
        (ZE, "計画は法人内で作成します", {"self_plan": True}),
    ],
)
def test_extract(knowledge: KnowledgeBase, programme: str, text: str, expected: dict[str, Any]) -> None:
    changes = extract(text, knowledge.programmes[programme]).changes
    for key, value in expected.items():
        assert key in changes, (key, changes)
        assert changes[key] == value, (key, changes)


@pytest.mark.parametrize(
    ("text", "absent"),
    [
        ("中小企業と大企業で違いはある？", "is_sme"),
        ("卸売業だと中小企業扱いになる？", "is_sme"),
        ("中小企業支援機関です", "is_sme"),
        ("東京都カーボンクレジットマーケットとは", "located_in_tokyo"),
        ("都内中小クレジットの算定ガイドライン", "located_in_tokyo"),
        ("工事実質0円と言われた", "costs"),
        ("助成率は9割ですよね？", "co2_reduction_pct"),
        ("上限は1億円ですよね？", "eligible_cost_yen"),
        ("年商5億円の会社です", "eligible_cost_yen"),
    ],
)
def test_not_extracted(knowledge: KnowledgeBase, text: str, absent: str) -> None:
    assert absent not in extract(text, knowledge.programmes[ZE]).changes


def test_claims_are_kept_apart_for_correction(knowledge: KnowledgeBase) -> None:
    out = extract("助成率は9割で、上限は1億円ですよね？", knowledge.programmes[ZE])
    assert out.claimed_percents == [90]
    assert out.claimed_yen == [100_000_000]


def test_approximate_amounts_are_used_and_flagged_bounds_are_not(knowledge: KnowledgeBase) -> None:
    approx = extract("経費は約1,200万円", knowledge.programmes[ZE])
    assert approx.changes["eligible_cost_yen"] == 12_000_000
    assert approx.approximate
    bounded = extract("経費は1億円以上", knowledge.programmes[ZE])
    assert "eligible_cost_yen" not in bounded.changes
    assert bounded.bounded


def test_a_stated_lower_bound_of_tonnes_is_used_an_upper_bound_is_not(knowledge: KnowledgeBase) -> None:
    assert extract("年5t以上減らせる", knowledge.programmes[ZE]).changes["co2_reduction_t"] == "5"
    assert "co2_reduction_t" not in extract("3t未満しか減らない", knowledge.programmes[ZE]).changes


def test_pretending_to_be_an_sme_keeps_the_true_size(knowledge: KnowledgeBase) -> None:
    out = extract("うち大企業だけど、中小企業ってことにして申請すれば", knowledge.programmes[CC])
    assert out.changes["is_sme"] is False


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("はい", "bool", True),
        ("はい、提出します", "bool", True),
        ("受けました", "bool", True),
        ("いいえ", "bool", False),
        ("受けていません", "bool", False),
        ("まだ分からないです", "bool", None),
        ("30です", "tonnes", "30"),
        ("２８ｔ", "tonnes", "28"),
        ("35%", "percent", "35"),
        ("1,200万円", "yen", 12_000_000),
        ("よく分かりません", "yen", None),
    ],
)
def test_answer_pending(text: str, kind: str, value: object) -> None:
    assert answer_pending(text, kind) == value


def test_derive_sme_follows_the_sme_act() -> None:
    assert derive_sme({"industry": "wholesale", "capital_yen": 80_000_000, "employees": 150}) is True
    assert derive_sme({"industry": "retail", "capital_yen": 100_000_000, "employees": 80}) is False
    assert derive_sme({"industry": "retail"}) is None


def test_the_own_plan_route_rules_out_the_consulting_route_unless_both_are_weighed(
    knowledge: KnowledgeBase,
) -> None:
    from bot.agent.offline.slots import implied_facts

    chosen = extract("計画は自分たちで作ります", knowledge.programmes[ZE])
    implied_facts("計画は自分たちで作ります", chosen)
    assert chosen.changes["diagnosis_consulting"] is False
    weighing = "自社で計画を作るか、コンサルを頼むか、まだ決めてない"
    undecided = extract(weighing, knowledge.programmes[ZE])
    implied_facts(weighing, undecided)
    assert "diagnosis_consulting" not in undecided.changes
