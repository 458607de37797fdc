"""bot/agent/offline/slots_en.py: facts stated in English go to the same slots as Japanese ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.agent.offline.slots import Extraction, extract
from bot.agent.offline.slots_en import answer_pending_english, extract_english, yen_mentions
from bot.config import PROJECT_ROOT
from bot.knowledge.loader import load_knowledge
from bot.knowledge.models import Programme


@pytest.fixture(scope="module")
def programmes() -> dict[str, Programme]:
    return dict(load_knowledge(Path(PROJECT_ROOT / "knowledge")).programmes)


def read(text: str, programme: Programme | None = None) -> Extraction:
    return extract_english(text, programme, extract(text, programme))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("¥80,000,000", 80_000_000),
        ("80 million yen", 80_000_000),
        ("¥9M", 9_000_000),
        ("JPY 5m", 5_000_000),
        ("1.2 million yen", 1_200_000),
        ("costs of 45 million", 45_000_000),
        ("¥2.5k", 2_500),
    ],
)
def test_amounts(text: str, value: int) -> None:
    assert [m[2] for m in yen_mentions(text.lower())] == [value]


def test_the_english_reading_replaces_the_japanese_one() -> None:
    assert extract("costs are ¥9M", None).changes.get("eligible_cost_yen") == 9  # 「¥9」, then 「M」
    assert read("costs are ¥9M").changes["eligible_cost_yen"] == 9_000_000


def test_a_typical_amount_question(programmes: dict[str, Programme]) -> None:
    changes = read(
        "We are an SME in Tokyo, eligible costs ¥80,000,000, cutting 35 t-CO2 a year with our own plan",
        programmes["tokyo-zero-emission-energy-saving"],
    ).changes
    assert changes["eligible_cost_yen"] == 80_000_000 and changes["costs"] is None
    assert changes["co2_reduction_t"] == "35"
    assert changes["is_sme"] is True and changes["located_in_tokyo"] is True and changes["self_plan"] is True


def test_items_percentages_and_the_company(programmes: dict[str, Programme]) -> None:
    ze = programmes["tokyo-zero-emission-energy-saving"]
    changes = read("Design ¥2M, equipment ¥8M. We cut CO2 by 40%.", ze).changes
    assert changes["costs"] == {"design": 2_000_000, "equipment": 8_000_000}
    assert changes["co2_reduction_pct"] == "40"
    listed = read("We are a listed company with 2,000 employees based in Saitama", ze).changes
    assert listed["is_sme"] is False and listed["employees"] == 2000 and listed["located_in_tokyo"] is False
    saf = read("70% of the SAF was fuelled at Haneda", programmes["tokyo-saf-air-cargo"]).changes
    assert saf["haneda_narita_share_pct"] == "70" and saf["uses_saf_air_cargo"] is True
    split = read(
        "About 45% of our SAF is fuelled at Narita, and 55% at overseas airports.",
        programmes["tokyo-saf-air-cargo"],
    ).changes
    assert split["haneda_narita_share_pct"] == "45"
    named_first = read(
        "Haneda or Narita supply 60% of our SAF; 40% comes from overseas airports.",
        programmes["tokyo-saf-air-cargo"],
    ).changes
    assert named_first["haneda_narita_share_pct"] == "60"


def test_a_worksheet_programme_reads_its_lines(programmes: dict[str, Programme]) -> None:
    changes = read(
        "The total project cost is ¥30,000,000, there are no donations, "
        "and the planned eligible spending is ¥24,000,000.",
        programmes["moe-jver-credit-creation-2010"],
    ).changes
    assert changes["total_project_cost"] == 30_000_000
    assert changes["eligible_cost_planned"] == 24_000_000
    assert changes["donations_income"] == 0


def test_claims_approximations_and_bounds(programmes: dict[str, Programme]) -> None:
    ze = programmes["tokyo-zero-emission-energy-saving"]
    out = read("The cap is ¥100M, right? Costs are about ¥20M", ze)
    assert out.claimed_yen == [100_000_000] and out.approximate == ["¥20m"]
    assert read("costs over ¥20M", ze).bounded == ["¥20m"]
    assert read("the subsidy rate is 90%?", ze).claimed_percents == [90]
    assert read("no energy audit, but energy-saving consulting", ze).changes["diagnosis_consulting"] is False


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("yes", "bool", True),
        ("Yes, we do", "bool", True),
        ("no", "bool", False),
        ("not sure", "bool", None),
        ("maybe", "bool", None),
        ("¥12M", "yen", 12_000_000),
        ("12 million", "yen", 12_000_000),
        ("about 30 tonnes", "tonnes", "30"),
        ("45%", "percent", "45"),
        ("none", "tonnes", None),
    ],
)
def test_short_answers(text: str, kind: str, value: object) -> None:
    assert answer_pending_english(text, kind) == value


def test_an_item_named_after_its_amount_labels_it(programmes: dict[str, Programme]) -> None:
    credit = programmes["tokyo-carbon-credit-promotion"]
    read_back = read("We'll spend 1.6 million yen on promotion and 500,000 yen on consulting.", credit)
    assert read_back.changes["costs"] == {"promotion": 1_600_000, "consulting": 500_000}


@pytest.mark.parametrize(
    "text",
    [
        "I run a small freight forwarder in Tokyo.",
        "We are a small family restaurant.",
        "a small-sized company",
    ],
)
def test_a_small_business_states_its_size(text: str) -> None:
    assert read(text).changes["is_sme"] is True


def test_size_industry_and_a_budget_named_by_its_item(programmes: dict[str, Programme]) -> None:
    saf = read("We're a big forwarding company shipping with SAF.", programmes["tokyo-saf-air-cargo"]).changes
    assert saf["is_sme"] is False
    cc = programmes["tokyo-carbon-credit-promotion"]
    wholesaler = read("We're a wholesaler with 60 employees and 200 million yen of capital.", cc).changes
    assert wholesaler["industry"] == "wholesale" and wholesaler["employees"] == 60
    budget = read("Our promotion budget is 1.8 million yen. How much is the grant?", cc).changes
    assert budget["costs"] == {"promotion": 1_800_000}


def test_owing_tax_is_tax_arrears(programmes: dict[str, Programme]) -> None:
    saf = programmes["tokyo-saf-air-cargo"]
    assert read("We still owe last year's corporate inhabitant tax.", saf).changes["tax_arrears"] is True
