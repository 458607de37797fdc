"""A new programme, or next year's edition, is a document plus a YAML file: no Python change.

End to end, as a user meets it: the fictional 「架空市 中小企業省エネ設備更新助成金」
(tests/knowledge/fictional_editions.py) is written as two editions — 令和7年度 and 令和8年度,
with different rates, caps, threshold and windows — into a copy of the real knowledge folder;
``advisor knowledge check`` passes on it; indexing embeds only the two new documents; then
``answer()`` and ``advisor ask`` answer with the edition in force on the day asked: 令和8年度's
figures once it is published, 令和7年度's before, and once 令和8年度 has closed too, that the next
edition is not in the advisor's documents yet (with the official page and the desk).

Last, the issue's acceptance check: a real programme copied under a new id and a new name is
indexed and found by ``advisor ask`` by that name.

One index serves the module: a copy of the session's index of knowledge/ (tests/conftest.py,
``corpus_data_dir``), brought up to date by an incremental build that embeds only the new
documents.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fictional_editions import (
    CONTACT,
    DESK,
    DOCUMENTS,
    HOW,
    NAME,
    PASSAGE,
    PHONE,
    R7,
    R8,
    RATES,
    WINDOWS,
    Edition,
    write_editions,
)

from bot.advisor import answer
from bot.cli import main
from bot.config import PROJECT_ROOT, load_settings
from bot.deps import Deps, build_deps
from bot.models import Answer
from bot.retrieval.index import IndexReport, build_index

pytestmark = pytest.mark.slow

KNOWLEDGE = PROJECT_ROOT / "knowledge"
R8_OPEN = dt.date(2026, 5, 20)  # 令和8年度 第1回 is open (2026-05-11 – 06-12)
BEFORE_R8 = dt.date(2026, 3, 31)  # 令和7年度 is over; 令和8年度 is published on 2026-04-01
ALL_CLOSED = dt.date(2027, 1, 15)  # 令和8年度 第2回 closed on 2026-10-30
# 1,234万円 × 2/3 = 8,226,666.67円 → 千円未満切り捨て → 822万6,000円 (令和8年度, under its cap of 1,000万円);
# 1,234万円 × 1/2 = 617万円 (令和7年度, under its cap of 800万円).
AMOUNT = (
    "中小企業です。設備の更新で年間のCO2排出量を35%削減できます。対象経費は1,234万円です。"
    "架空市の省エネ助成はいくらもらえますか？"
)
OVER_CAP = AMOUNT.replace("1,234万円", "2,400万円")  # × 2/3 = 1,600万円 > 1,000万円
NOT_YET = "新しい年度の募集内容は、まだこのアドバイザーの資料にありません。"


@dataclass(frozen=True)
class Folder:
    """A knowledge folder and a data dir whose index is up to date with it."""

    knowledge: Path
    data: Path
    report: IndexReport


def indexed_copy(root: Path, corpus_data_dir: Path, knowledge: Path) -> Folder:
    """The session's index of knowledge/, copied and brought up to date with ``knowledge``."""
    data = root / "data"
    shutil.copytree(corpus_data_dir / "index", data / "index")
    settings = load_settings(data_dir=data, knowledge_dir=knowledge, llm=None)
    deps = build_deps(settings)
    report = build_index(settings, deps.source_knowledge, embedder=deps.embedder)
    return Folder(knowledge=knowledge, data=data, report=report)


@pytest.fixture(scope="module")
def folder(corpus_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Folder:
    """The real knowledge folder plus both editions of the fictional programme, indexed."""
    root = tmp_path_factory.mktemp("editions")
    knowledge = root / "knowledge"
    shutil.copytree(KNOWLEDGE, knowledge)
    write_editions(knowledge)
    return indexed_copy(root, corpus_data_dir, knowledge)


@pytest.fixture(scope="module")
def deps(folder: Folder) -> Iterator[Deps]:
    deps = build_deps(load_settings(data_dir=folder.data, knowledge_dir=folder.knowledge, llm=None))
    yield deps
    deps.close()


def ask(deps: Deps, message: str, as_of: dt.date, session_id: str | None = None) -> Answer:
    return answer(message, session_id=session_id, as_of=as_of, deps=deps)


def use_folder(monkeypatch: pytest.MonkeyPatch, knowledge: Path, data: Path | None = None) -> None:
    """The CLI reads its folders from the environment; no LLM and the SQLite store, whatever the
    shell running the tests has set."""
    monkeypatch.setenv("ADVISOR_KNOWLEDGE_DIR", str(knowledge))
    if data is not None:
        monkeypatch.setenv("ADVISOR_DATA_DIR", str(data))
    for name in ("ADVISOR_LLM", "ADVISOR_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)


def cited(result: Answer, doc: str) -> set[str]:
    """The sections of ``doc`` the answer cites."""
    return {c.section for c in result.citations if c.source_id == doc}


def amount_of(result: Answer | dict[str, Any]) -> int:
    calls = result["tool_calls"] if isinstance(result, dict) else [c.model_dump() for c in result.tool_calls]
    [grant] = [c for c in calls if c["name"] == "calculate_grant"]
    return int(grant["result"]["amount_yen"])


# --- the folder --------------------------------------------------------------------------------


def test_knowledge_check_passes_on_the_folder_with_both_editions(
    folder: Folder, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use_folder(monkeypatch, folder.knowledge)
    assert main(["knowledge", "check"]) == 0
    assert "問題はありません" in capsys.readouterr().out


def test_indexing_embeds_only_the_new_documents(folder: Folder) -> None:
    assert folder.report.reembedded_documents == [R7.id, R8.id]
    assert folder.report.reused_chunks > 0


# --- while 令和8年度 is open ---------------------------------------------------------------------


def test_an_amount_under_the_cap_uses_the_new_editions_rate_and_rounding(deps: Deps) -> None:
    result = ask(deps, AMOUNT, R8_OPEN)

    assert result.programmes == [R8.id]
    assert "**区分1の助成額は 822万6,000円 です。**" in result.answer
    assert "（助成率 2/3、助成上限額 10,000,000円）" in result.answer
    assert "→ 1,000円未満切り捨て → 8,226,000円" in result.answer
    assert f"根拠資料: {NAME}（令和8年度の募集内容（第1回〜第2回））" in result.answer
    assert R8.section(RATES) in cited(result, R8.id)
    assert not cited(result, R7.id) and "令和7年度" not in result.answer


def test_an_amount_over_the_cap_is_the_new_editions_cap(deps: Deps) -> None:
    result = ask(deps, OVER_CAP, R8_OPEN)

    assert amount_of(result) == 10_000_000
    assert "**区分1の助成額は 1,000万円 です。**" in result.answer
    assert "対象経費 24,000,000円 × 助成率 2/3 = 16,000,000円" in result.answer
    assert "助成上限額 10,000,000円 を適用 → 助成額 10,000,000円" in result.answer


def test_an_sme_above_the_new_threshold_is_eligible(deps: Deps) -> None:
    """18% meets 令和8年度's 15% (令和7年度 asked for 20%), in its 区分2."""
    message = "中小企業です。年間のCO2排出量を18%削減できます。架空市の省エネ助成に申請できますか？"
    result = ask(deps, message, R8_OPEN)

    assert "申請要件をすべて満たしています" in result.answer
    assert "✓ 該当します: 年間CO2排出量を15%以上削減すること" in result.answer
    assert "区分2として対象になります（助成率 1/2、上限 400万円、対象経費: 設備費・工事費）" in result.answer
    assert result.follow_up == []


def test_a_large_company_is_not_eligible(deps: Deps) -> None:
    message = "大企業です。年間のCO2排出量を40%削減できます。架空市の省エネ助成の対象になりますか？"
    result = ask(deps, message, R8_OPEN)

    assert "対象外と考えられます" in result.answer
    assert (
        "✗ 該当しません: 中小企業者であること — 中小企業者のみが対象です（大企業及びみなし大企業は対象外）。"
        in result.answer
    )
    assert R8.section("2 助成対象者") in cited(result, R8.id)


def test_without_the_facts_the_advisor_asks_for_them_one_at_a_time(deps: Deps) -> None:
    first = ask(deps, "架空市の省エネ助成に申請できますか？", R8_OPEN)
    assert "判定には、もう少し情報が必要です。" in first.answer
    assert first.follow_up[0] == "貴社は中小企業基本法上の中小企業者に該当しますか？"

    second = ask(deps, "はい", R8_OPEN, first.session_id)
    assert second.follow_up == ["設備の更新で、事業所の年間CO2排出量を何%削減できますか？"]

    third = ask(deps, "18%です", R8_OPEN, first.session_id)
    assert "申請要件をすべて満たしています" in third.answer and third.follow_up == []


def test_the_status_names_the_new_fiscal_year_and_says_it_is_open(deps: Deps) -> None:
    result = ask(deps, "架空市の省エネ助成の受付期間は？", R8_OPEN)

    assert (
        "令和8年度 第1回は受付中です（2026年5月11日9時から6月12日17時必着、締切まであと23日）。"
        "選考方法: 抽選（先着順ではありません）。" in result.answer
    )
    assert "令和8年度 第2回の受付は2026年9月1日9時から10月30日17時必着です（あと104日で開始）。" in (
        result.answer
    )
    assert "完了実績報告書の提出期限は2027年2月26日です（あと282日）。" in result.answer
    assert R8.section(WINDOWS) in cited(result, R8.id)
    assert "すべて終了" not in result.answer and NOT_YET not in result.answer


def test_the_contact_desk_and_its_phone_number(deps: Deps) -> None:
    result = ask(deps, "架空市の省エネ助成の問い合わせ先は？", R8_OPEN)

    assert f"**問合せ先**: {DESK} / 電話 {PHONE}" in result.answer
    assert R8.section(CONTACT) in cited(result, R8.id)


def test_a_passage_of_the_new_document_is_found_quoted_and_cited(deps: Deps) -> None:
    """申請書類 is stated by no programme fact: only the search finds it."""
    result = ask(deps, "架空市の省エネ助成の申請に必要な書類は？", R8_OPEN)

    assert f"**{R8.title} — {R8.section(DOCUMENTS)}**" in result.answer
    assert f"> （2）{PASSAGE}" in result.answer
    [passage] = [c for c in result.citations if c.section == R8.section(DOCUMENTS)]
    assert passage.source_id == R8.id and passage.url == R8.url and PASSAGE in passage.quote


def test_a_quoted_rates_passage_keeps_its_rounding_rule(deps: Deps) -> None:
    """「助成額に千円未満の端数…」 is the document's rule, not an amount the advisor states."""
    result = ask(deps, "架空市の省エネ助成の助成率と上限額は？", R8_OPEN)

    assert "| 区分1（年間CO2排出量30%以上削減） | 2/3 | 1,000万円 | 設備費・工事費 |" in result.answer
    assert "| 区分2（年間CO2排出量15%以上30%未満削減） | 1/2 | 400万円 | 設備費・工事費 |" in result.answer
    assert "> 助成額に千円未満の端数が生じた場合は、これを切り捨てます。" in result.answer


# --- which edition answers on which day ------------------------------------------------------------


R7_FIGURES = ("**区分1の助成額は 617万円 です。**", "（助成率 1/2、助成上限額 8,000,000円）")
R8_FIGURES = ("**区分1の助成額は 822万6,000円 です。**", "（助成率 2/3、助成上限額 10,000,000円）")


@pytest.mark.parametrize(
    ("as_of", "edition", "figures"),
    [
        (dt.date(2025, 5, 20), R7, R7_FIGURES),
        (BEFORE_R8, R7, R7_FIGURES),
        (dt.date(2026, 4, 1), R8, R8_FIGURES),
    ],
    ids=["r7-open", "r7-closed-r8-not-yet-published", "r8-published"],
)
def test_the_edition_in_force_on_the_day_answers(
    deps: Deps, as_of: dt.date, edition: Edition, figures: tuple[str, str]
) -> None:
    result = ask(deps, AMOUNT, as_of)

    assert result.programmes == [edition.id]
    assert all(figure in result.answer for figure in figures)
    assert f"根拠資料: {NAME}（{edition.fiscal_year}の募集内容（第1回〜第2回））" in result.answer
    assert edition.section(RATES) in cited(result, edition.id)
    other = R8 if edition is R7 else R7
    assert not cited(result, other.id) and other.fiscal_year not in result.answer


@pytest.mark.parametrize("year", ["令和7年度", "2025年度", "R7"])
def test_a_question_naming_the_older_fiscal_year_answers_with_that_edition(deps: Deps, year: str) -> None:
    result = ask(deps, f"{year}の{AMOUNT}", R8_OPEN)

    assert result.programmes == [R7.id]
    assert all(figure in result.answer for figure in R7_FIGURES)
    assert f"根拠資料: {NAME}（令和7年度の募集内容（第1回〜第2回））" in result.answer


def test_a_calendar_date_is_not_a_fiscal_year(deps: Deps) -> None:
    result = ask(deps, f"2025年12月に工事します。{AMOUNT}", R8_OPEN)

    assert result.programmes == [R8.id]


def test_before_the_new_edition_is_published_the_old_one_is_said_closed(deps: Deps) -> None:
    result = ask(deps, AMOUNT, BEFORE_R8)

    assert "**令和7年度の受付はすべて終了しています。**" in result.answer
    assert NOT_YET not in result.answer  # a later edition is in the knowledge, only not in force yet


@pytest.mark.parametrize("message", [AMOUNT, "架空市の省エネ助成の受付期間は？"], ids=["amount", "deadline"])
def test_when_the_latest_edition_is_closed_the_answer_says_the_next_is_not_in_the_documents_yet(
    deps: Deps, message: str
) -> None:
    result = ask(deps, message, ALL_CLOSED)

    assert result.programmes == [R8.id]
    assert "令和8年度の受付はすべて終了" in result.answer
    assert (
        f"{NOT_YET}次の募集は[公式ページ]({R8.url})と問い合わせ窓口（{DESK}、{PHONE}）でご確認ください。"
        in result.answer
    )
    assert {R8.section(HOW), R8.section(CONTACT)} <= cited(result, R8.id)


# --- the same through the CLI ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "edition", "amount"),
    [(R8_OPEN, R8, 8_226_000), (BEFORE_R8, R7, 6_170_000)],
    ids=["r8", "r7"],
)
def test_advisor_ask_json_answers_with_the_edition_in_force(
    folder: Folder,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    as_of: dt.date,
    edition: Edition,
    amount: int,
) -> None:
    use_folder(monkeypatch, folder.knowledge, folder.data)

    assert main(["ask", "--json", "--as-of", as_of.isoformat(), AMOUNT]) == 0
    data = json.loads(capsys.readouterr().out)

    assert data["programmes"] == [edition.id]
    assert amount_of(data) == amount
    assert data["mode"] == "offline" and data["as_of"] == as_of.isoformat()
    sections = {c["section"] for c in data["citations"] if c["source_id"] == edition.id}
    assert edition.section(RATES) in sections


# --- the acceptance check -------------------------------------------------------------------

COPIED = "tokyo-carbon-credit-promotion"
NEW_ID = "osaka-credit-branding"
OLD_NAME = "カーボンクレジット活用促進事業"
NEW_NAME = "大阪クレジットブランディング支援事業"


def test_a_real_programme_copied_under_a_new_id_and_name_is_found_by_its_name(
    corpus_data_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, knowledge)
    for folder_name, suffix in (("sources", ".md"), ("programmes", ".yaml")):
        text = (knowledge / folder_name / f"{COPIED}{suffix}").read_text(encoding="utf-8")
        assert OLD_NAME in text
        new = text.replace(COPIED, NEW_ID).replace(OLD_NAME, NEW_NAME)
        (knowledge / folder_name / f"{NEW_ID}{suffix}").write_text(new, encoding="utf-8")
    shutil.copytree(corpus_data_dir / "index", tmp_path / "data" / "index")
    use_folder(monkeypatch, knowledge, tmp_path / "data")

    assert main(["index"]) == 0
    assert "文書 1 件）" in capsys.readouterr().out  # only the new document was embedded

    assert main(["ask", "--json", "--as-of", "2025-06-02", f"{NEW_NAME}の上限額は？"]) == 0
    data = json.loads(capsys.readouterr().out)

    assert data["programmes"] == [NEW_ID]
    assert f"## {NEW_NAME}：助成率と上限額" in data["answer"]
    assert "200万円" in data["answer"] and "100万円" in data["answer"]
    assert {c["source_id"] for c in data["citations"]} == {NEW_ID}
