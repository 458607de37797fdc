"""``advisor index``, ``advisor search`` and ``advisor eval retrieval`` as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot.cli import main

RATES = """\
# ゼロエミッション化に向けた省エネ設備導入・運用改善支援事業

# 事業概要

## 助成対象経費

設計費、設備費、工事費

## 助成額等

| 申請区分 | 助成率 | 助成上限額 |
| --- | --- | --- |
| 28t-CO2以上削減可能な省エネ設備の導入 | 3/4 | 4,500万円 |
| 3t-CO2又は30%以上削減可能な省エネ設備の導入 | 2/3 | 2,500万円 |

# 受付期間

令和8年1月19日から令和8年1月30日まで。
"""

CREDIT = """\
# カーボンクレジット活用促進事業

## 申請期間

令和7年4月23日から令和7年12月26日まで。

## 助成率

助成率は2分の1、助成限度額は100万円です。
"""


def write_doc(knowledge: Path, source_id: str, title: str, body: str) -> None:
    (knowledge / "programmes").mkdir(parents=True, exist_ok=True)
    (knowledge / "sources").mkdir(parents=True, exist_ok=True)
    front = textwrap.dedent(
        f"""\
        ---
        id: {source_id}
        title: {title}
        publisher: テスト
        url: https://example.test/{source_id}
        published: "2025-04-01"
        retrieved: "2026-01-10"
        programmes: [{source_id}]
        ---
        """
    )
    (knowledge / "sources" / f"{source_id}.md").write_text(front + "\n" + body, encoding="utf-8")


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    knowledge = tmp_path / "knowledge"
    write_doc(
        knowledge,
        "tokyo-zero-emission-energy-saving",
        "ゼロエミッション化に向けた省エネ設備導入支援事業",
        RATES,
    )
    write_doc(knowledge, "tokyo-carbon-credit-promotion", "カーボンクレジット活用促進事業", CREDIT)
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ADVISOR_KNOWLEDGE_DIR", str(knowledge))
    return tmp_path


def test_index_then_search_json(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["index"]) == 0
    summary = capsys.readouterr().out
    assert "文書 2 件" in summary and "チャンク" in summary and "秒" in summary
    assert main(["search", "省エネ設備の助成上限額", "--json", "-k", "2"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"query", "mode", "hits", "notice"}
    assert (
        result["query"] == "省エネ設備の助成上限額"
        and result["mode"] == "hybrid"
        and result["notice"] is None
    )
    assert len(result["hits"]) == 2
    top = result["hits"][0]
    assert set(top) == {"chunk_id", "source_id", "title", "url", "section", "text", "score"}
    assert top["source_id"] == "tokyo-zero-emission-energy-saving" and top["section"] == "事業概要 > 助成額等"
    assert top["url"] == "https://example.test/tokyo-zero-emission-energy-saving"
    assert "3/4 | 4,500万円" in top["text"] and isinstance(top["score"], float)


def test_second_index_reuses_vectors(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["index"]) == 0
    capsys.readouterr()
    assert main(["index"]) == 0
    assert "埋め込み 0 件" in capsys.readouterr().out
    assert main(["index", "--rebuild"]) == 0
    assert "埋め込み 0 件" not in capsys.readouterr().out


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_search_text_output_shows_citation_fields(
    env: Path, capsys: pytest.CaptureFixture[str], mode: str
) -> None:
    main(["index"])
    capsys.readouterr()
    assert main(["search", "カーボンクレジットの申請期間", "--mode", mode, "-k", "1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("[1] tokyo-carbon-credit-promotion")
    assert "カーボンクレジット活用促進事業 — カーボンクレジット活用促進事業 > 申請期間" in out
    assert "https://example.test/tokyo-carbon-credit-promotion" in out and "令和7年12月26日" in out


def test_long_query_prints_a_notice(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["index"])
    capsys.readouterr()
    assert main(["search", "助成上限額" * 20000, "--json"]) == 0
    assert "truncated" in json.loads(capsys.readouterr().out)["notice"]


def test_empty_query_fails_in_japanese_and_english(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["index"])
    capsys.readouterr()
    assert main(["search", "   "]) == 2
    err = capsys.readouterr().err
    assert "エラー: 質問が空です" in err and "Error: The query is empty" in err


def test_search_without_index_tells_the_user_to_run_index(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["search", "助成"]) == 2
    err = capsys.readouterr().err
    assert "advisor index" in err and "エラー:" in err and "Error:" in err


def test_eval_retrieval_reports_three_modes(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["index"])
    capsys.readouterr()
    dataset = env / "retrieval.yaml"
    dataset.write_text(
        "- id: q1\n  question: 省エネ設備の助成上限額\n  gold:\n"
        "    - {source_id: tokyo-zero-emission-energy-saving, section: 助成額等}\n"
        "- id: q2\n  question: クレジットの申請はいつまで\n  gold:\n"
        "    - {source_id: tokyo-carbon-credit-promotion, section: 申請期間}\n",
        encoding="utf-8",
    )
    assert main(["eval", "retrieval", "--file", str(dataset), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [m["mode"] for m in report["modes"]] == ["bm25", "dense", "hybrid"]
    for metrics in report["modes"]:
        assert set(metrics) >= {"recall_at_1", "recall_at_5", "mrr", "questions", "misses"}
        assert metrics["questions"] == 2 and metrics["recall_at_5"] == 1.0
    assert main(["eval", "retrieval", "--file", str(dataset)]) == 0
    table = capsys.readouterr().out
    assert "recall@1" in table and "hybrid" in table and "MRR" in table


def test_eval_with_missing_file_fails_cleanly(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "retrieval", "--file", str(env / "none.yaml")]) == 2
    assert "Evaluation file not found" in capsys.readouterr().err


def test_search_starts_without_heavy_imports(env: Path) -> None:
    """``advisor search`` stays fast to start: it never imports LangChain, FastAPI or Slack.

    (Cold-start time itself is measured in bench/retrieval.py, not asserted here.)
    """
    main(["index"])
    script = (
        "import sys, json, contextlib, io\n"
        "from bot.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    code = main(['search', '省エネ設備の助成上限額', '--json'])\n"
        "roots = {m.split('.')[0] for m in sys.modules}\n"
        "heavy = sorted(roots & {'langchain', 'langgraph', 'fastapi', 'slack_bolt'})\n"
        "print(json.dumps({'code': code, 'heavy': heavy}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"code": 0, "heavy": []}


def test_index_list_and_rollback_publish_the_previous_version_again(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["index"]) == 0
    rates = env / "knowledge" / "sources" / "tokyo-zero-emission-energy-saving.md"
    rates.write_text(rates.read_text(encoding="utf-8").replace("4,500万円", "4,000万円"), encoding="utf-8")
    assert main(["index"]) == 0
    capsys.readouterr()

    assert main(["index", "--list"]) == 0
    first, second = capsys.readouterr().out.splitlines()
    assert first.startswith("  v") and second.startswith("* v") and "文書 2 件" in second
    assert main(["index", "--rollback"]) == 0
    assert first.split()[0] in capsys.readouterr().out
    assert main(["search", "省エネ設備の助成上限額", "--json", "-k", "1"]) == 0
    assert "4,500万円" in json.loads(capsys.readouterr().out)["hits"][0]["text"]
    assert main(["index", "--list"]) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith("* v")


def test_rollback_without_a_kept_version_changes_nothing(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["index"]) == 0
    capsys.readouterr()
    assert main(["index", "--rollback"]) == 2
    assert "no other version is kept" in capsys.readouterr().err
    assert main(["index", "--rollback", "v-no-such-version"]) == 2
    assert "live index is unchanged" in capsys.readouterr().err
