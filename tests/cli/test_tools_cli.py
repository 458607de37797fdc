"""``advisor calc`` and ``advisor status`` end to end (real knowledge files, or a tmp knowledge dir)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml

from bot.cli import main
from bot.cli.tools import resolve_as_of

ZERO = "tokyo-zero-emission-energy-saving"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_done_when_calc_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "calc", ZERO, "--json", "category=1", "eligible_cost=8000万円")
    data = json.loads(out)
    assert code == 0
    assert (data["amount_yen"], data["capped"], data["rate"], data["cap_yen"]) == (
        45_000_000,
        True,
        "3/4",
        45_000_000,
    )
    assert data["sources"][0]["quote"] == "3/4 | 4,500万円"


def test_json_flag_after_the_assignments(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "calc", ZERO, "category=3", "eligible_cost=10,000,001円", "--json")
    assert code == 0 and json.loads(out)["amount_yen"] == 6_666_667


def test_calc_text_with_facts_and_item_costs(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "calc",
        ZERO,
        "co2_reduction_t=2.99t",
        "co2_reduction_pct=30%",
        "self_plan=はい",
        "diagnosis_consulting=いいえ",
        "cost.design=1円",
        "cost.equipment=1000万円",
    )
    assert code == 0
    assert "区分3の助成額は6,666,667円（666万6,667円）です。" in out
    assert "  2. 対象経費 = 設計費 1円 + 設備費 10,000,000円 = 10,000,001円" in out
    assert "端数処理: 1円未満切り捨て（文書に記載なし） — 端数処理は募集要項で確認してください" in out
    assert (
        "出典:" in out
        and "[tokyo-zero-emission-energy-saving] 事業概要 > 助成額等: 「2/3 | 1,000万円」" in out
    )


def test_calc_text_excluded_costs_and_missing(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "calc",
        "tokyo-saf-air-cargo",
        "is_sme=true",
        "cost.saf_surcharge=100万円",
        "cost.消費税=10万円",
    )
    assert code == 0 and "対象外の経費:" in out and "  - 消費税 100,000円: 間接経費" in out
    code, out, _ = run(capsys, "calc", "tokyo-saf-air-cargo")
    assert code == 0 and "確認が必要な情報:" in out and "(is_sme)" in out


def test_calc_support_plan(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "calc", "meti-cn-action-plan")
    assert code == 0 and "助成額の計算はありません" in out and "計算:" not in out


@pytest.mark.parametrize(
    ("argv", "ja", "en"),
    [
        (["calc", "nope"], "制度ID「nope」は登録されていません", "Unknown programme id"),
        (["calc", ZERO, "category"], "key=value の形", "is not key=value"),
        (["calc", ZERO, "=1"], "key=value の形", "is not key=value"),
        (["calc", ZERO, "colour=red"], "「colour」は使えない項目です", "Valid keys: category, eligible_cost"),
        (["calc", ZERO, "category=9", "eligible_cost=1円"], "申請区分「9」はありません", "Unknown category"),
        (["calc", ZERO, "self_plan=maybe"], "はい／いいえ", "yes/no"),
        (["calc", ZERO, "eligible_cost=たくさん"], "", ""),
        (["status", "--as-of", "2026-13-01"], "YYYY-MM-DD", "must be YYYY-MM-DD"),
        (["status", "nope", "--as-of", "2026-01-01"], "登録されていません", "Unknown programme id"),
    ],
)
def test_errors_exit_2_with_japanese_and_english(
    capsys: pytest.CaptureFixture[str], argv: list[str], ja: str, en: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith("エラー: ") and "\nError: " in err
    assert ja in err and en in err


def test_done_when_status_2026_11_24(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "status", "--as-of", "2026-11-24", "--json")
    data = json.loads(out)
    assert code == 0 and data["as_of"] == "2026-11-24"
    states = {p["programme_id"]: [w["state"] for w in p["windows"]] for p in data["programmes"]}
    assert states == {
        "meti-cn-action-plan": [],
        "moe-jver-credit-creation-2010": ["closed"],
        "tokyo-carbon-credit-promotion": ["closed"],
        "tokyo-saf-air-cargo": ["closed", "closed"],
        ZERO: ["closed"] * 5,
    }


def test_status_2025_11_24(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "status", "--as-of", "2025-11-24", "--json")
    states = {p["programme_id"]: [w["state"] for w in p["windows"]] for p in json.loads(out)["programmes"]}
    assert code == 0
    assert states["tokyo-carbon-credit-promotion"] == ["open"]
    assert states[ZERO] == ["closed"] * 4 + ["upcoming"]


def test_status_text_for_one_programme(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "status", ZERO, "--as-of", "2026-11-24")
    assert code == 0 and out.startswith("基準日: 2026年11月24日\n\nゼロエミッション化")
    assert "  [受付終了] 令和7年度 第5回の受付は2026年1月30日17時で終了しました（298日前）。" in out
    assert "  [期限切れ] 令和7年度 第1回申請" in out and "  [期限前] 令和7年度 第4回申請" in out
    assert "  まとめ: 令和7年度の受付はすべて終了しました。" in out


def test_status_defaults_to_today_in_tokyo(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "status", "tokyo-carbon-credit-promotion")
    assert code == 0 and out.startswith("基準日: ")
    today, now = resolve_as_of(None)
    assert abs((today - dt.date.today()).days) <= 1 and now is not None
    assert resolve_as_of(" 2026-01-19 ") == (dt.date(2026, 1, 19), None)


def test_worksheet_inputs_without_input_specs(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = {"doc": "d", "section": "s", "quote": "様式"}
    fact = {"value": "架空の様式制度", "source": source}
    programme = {
        "id": "form-only",
        "kind": "subsidy",
        "name": fact,
        "publisher": fact,
        "url": fact,
        "summary": fact,
        "calculation": {
            "kind": "worksheet",
            "lines": [
                {"id": "1", "label": "総額", "op": "input", "input": "total", "source": source},
                {
                    "id": "2",
                    "label": "補助額",
                    "op": "multiply",
                    "args": ["1"],
                    "factor": "1/2",
                    "source": source,
                },
            ],
            "result_line": "2",
        },
    }
    (tmp_path / "programmes").mkdir()
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "d.md").write_text(
        "---\nid: d\ntitle: 架空の様式\npublisher: 架空県\nurl: https://example.invalid/\n"
        'published: "2026"\nretrieved: "2026-01-01"\nprogrammes: [form-only]\n---\n\n# s\n\n様式\n',
        "utf-8",
    )
    (tmp_path / "programmes" / "form-only.yaml").write_text(
        yaml.safe_dump(programme, allow_unicode=True), "utf-8"
    )
    monkeypatch.setenv("ADVISOR_KNOWLEDGE_DIR", str(tmp_path))
    code, out, _ = run(capsys, "calc", "form-only", "total=300万円")
    assert code == 0 and "(2) 補助額 = (1) × 1/2 = 3,000,000円 × 1/2 = 1,500,000円" in out
    code, _, err = run(capsys, "calc", "form-only", "other=1")
    assert code == 2 and "category, eligible_cost, cost.<item_id>, total" in err
