"""Programmes, tools, calendar, health and static files over the real knowledge base."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.advisor import today_in_tokyo
from bot.config import PROJECT_ROOT
from bot.knowledge.loader import KnowledgeBase
from bot.tools.schemas import TOOLS, run_tool

from .conftest import AS_OF, ZERO, ClientFactory

# --- /api/programmes ---------------------------------------------------------------------


def test_programmes_list_with_status(client: TestClient, web_knowledge: KnowledgeBase) -> None:
    response = client.get("/api/programmes", params={"as_of": AS_OF})
    assert response.status_code == 200
    data = response.json()
    assert [p["id"] for p in data] == sorted(web_knowledge.programmes)
    for item in data:
        programme = web_knowledge.programmes[item["id"]]
        assert item["name"] == programme.name.value and item["url"] == programme.url.value
        assert item["aliases"] == programme.aliases and item["kind"] == programme.kind
        assert isinstance(item["status"]["open"], bool) and item["status"]["summary"]
        assert len(item["status"]["windows"]) == len(programme.windows)
    zero = next(p for p in data if p["id"] == ZERO)
    assert zero["as_of"] == AS_OF and zero["status"]["open"] is True
    fifth = next(w for w in zero["status"]["windows"] if w["id"] == "fy2025-r5")
    assert fifth["state"] == "open" and (fifth["start"], fifth["end"]) == ("2026-01-19", "2026-01-30")
    assert fifth["label"] and "受付中" in fifth["sentence"]
    assert zero["status"]["summary"].startswith("現在受付中: 令和7年度 第5回")


def test_programmes_default_to_today_and_reject_a_bad_date(client: TestClient) -> None:
    data = client.get("/api/programmes").json()
    assert {p["as_of"] for p in data} == {today_in_tokyo().isoformat()}
    response = client.get("/api/programmes", params={"as_of": "2026-13-01"})
    assert response.status_code == 422
    assert "基準日（as_of）は YYYY-MM-DD 形式" in response.json()["detail"]
    assert response.json()["detail_en"]


# --- /api/tools --------------------------------------------------------------------------


def test_tool_schemas_are_listed(client: TestClient) -> None:
    data = client.get("/api/tools").json()
    assert [tool["name"] for tool in data] == list(TOOLS)
    for tool in data:
        assert tool["description"] and "programme_id" in tool["parameters"]["properties"]


TOOL_CASES: list[tuple[str, dict[str, Any]]] = [
    ("calculate_grant", {"programme_id": ZERO, "category": "1", "eligible_cost_yen": 80_000_000}),
    (
        "calculate_grant",
        {
            "programme_id": ZERO,
            "facts": {"self_plan": True, "co2_reduction_t": 5},
            "costs": {"design": 1, "equipment": 10_000_000},
        },
    ),
    (
        "recommend_category",
        {"programme_id": ZERO, "facts": {"self_plan": True}, "eligible_cost_yen": 12_000_000},
    ),
    ("check_eligibility", {"programme_id": ZERO, "profile": {"is_sme": True, "located_in_tokyo": True}}),
    ("application_status", {"programme_id": ZERO, "as_of": AS_OF}),
    ("application_status", {"programme_id": "tokyo-saf-air-cargo", "as_of": "2025-12-01", "now": "10:30"}),
]


@pytest.mark.parametrize(("name", "arguments"), TOOL_CASES)
def test_tool_results_equal_run_tool(
    client: TestClient, web_knowledge: KnowledgeBase, name: str, arguments: dict[str, Any]
) -> None:
    response = client.post(f"/api/tools/{name}", json=arguments)
    assert response.status_code == 200
    assert response.json() == run_tool(name, arguments, web_knowledge.programmes)


def test_tool_result_equals_advisor_calc_json(client: TestClient) -> None:
    api = client.post(
        "/api/tools/calculate_grant",
        json={"programme_id": ZERO, "category": "1", "eligible_cost_yen": 80_000_000},
    ).json()
    env = {**os.environ, "ADVISOR_KNOWLEDGE_DIR": str(PROJECT_ROOT / "knowledge")}
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from bot.cli import main; sys.exit(main())",
            "calc",
            ZERO,
            "--json",
            "category=1",
            "eligible_cost=8000万円",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    assert json.loads(done.stdout) == api
    assert api["amount_yen"] == 45_000_000


def test_application_status_defaults_to_today_in_tokyo(client: TestClient) -> None:
    data = client.post("/api/tools/application_status", json={"programme_id": ZERO}).json()
    assert data["as_of"] == today_in_tokyo().isoformat() and data["programme_id"] == ZERO


def test_an_unknown_tool_is_404(client: TestClient) -> None:
    response = client.post("/api/tools/launch_rocket", json={})
    assert response.status_code == 404
    assert response.json()["code"] == "unknown_tool"
    assert "ツール「launch_rocket」はありません" in response.json()["detail"]


def test_bad_tool_arguments_are_422_in_japanese(client: TestClient) -> None:
    response = client.post(
        "/api/tools/calculate_grant", json={"programme_id": ZERO, "eligible_cost_yen": "たくさん"}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_tool_arguments"
    assert body["detail"].startswith("ツール「calculate_grant」の引数が不正です")
    assert "eligible_cost_yen" in body["detail_en"]
    missing = client.post("/api/tools/check_eligibility", json={})
    assert missing.status_code == 422 and "programme_id" in missing.json()["detail"]
    unknown = client.post("/api/tools/check_eligibility", json={"programme_id": "no-such-programme"})
    assert (
        unknown.status_code == 422
        and "制度ID「no-such-programme」は登録されていません" in unknown.json()["detail"]
    )
    not_an_object = client.post("/api/tools/check_eligibility", json=[ZERO])
    assert not_an_object.status_code == 422


# --- /api/calendar.ics -------------------------------------------------------------------


def unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_calendar_is_rfc5545(client: TestClient, web_knowledge: KnowledgeBase) -> None:
    response = client.get("/api/calendar.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    raw = response.content
    text = raw.decode("utf-8")
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"") and b"\r" not in raw.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    assert any(line.startswith(b" ") for line in raw.split(b"\r\n")), "long Japanese lines are folded"
    lines = unfold(text)
    expected = sum(len(p.windows) + len(p.deadlines) for p in web_knowledge.programmes.values())
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == expected
    uids = [line for line in lines if line.startswith("UID:")]
    assert len(uids) == len(set(uids)) == expected
    assert sum(line.startswith("DTSTAMP:") for line in lines) == expected
    assert "VERSION:2.0" in lines and any(line.startswith("PRODID:") for line in lines)


def test_calendar_window_and_deadline_events(client: TestClient, web_knowledge: KnowledgeBase) -> None:
    text = client.get("/api/calendar.ics", params={"programme_id": ZERO}).text
    lines = unfold(text)
    programme = web_knowledge.programmes[ZERO]
    assert lines.count("BEGIN:VEVENT") == len(programme.windows) + len(programme.deadlines)
    start = lines.index(f"UID:{ZERO}-window-fy2025-r5@grant-advisor")
    event = lines[start : lines.index("END:VEVENT", start)]
    assert "DTSTART;VALUE=DATE:20260119" in event and "DTEND;VALUE=DATE:20260131" in event
    summary = next(line for line in event if line.startswith("SUMMARY:"))
    assert summary == f"SUMMARY:【受付期間】{programme.name.value} 令和7年度 第5回"
    description = next(line for line in event if line.startswith("DESCRIPTION:"))
    assert "2026年1月19日9時から1月30日17時必着" in description
    assert "出典: 事業概要 > 受付期間" in description and "https://www.tokyo-co2down.jp/" in description
    deadline = lines.index(f"UID:{ZERO}-deadline-fy2025-r1-completion-report@grant-advisor")
    assert lines[deadline + 2 : deadline + 4] == ["DTSTART;VALUE=DATE:20260930", "DTEND;VALUE=DATE:20261001"]
    assert lines[deadline + 4].startswith("SUMMARY:【期限】") and "工事完了届" in lines[deadline + 4]


def test_calendar_of_an_unknown_programme_is_404(client: TestClient) -> None:
    response = client.get("/api/calendar.ics", params={"programme_id": "no-such-programme"})
    assert response.status_code == 404 and response.json()["code"] == "unknown_programme"


# --- health, docs, static ----------------------------------------------------------------


def test_healthz_and_readyz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ok" and ready.json()["store"] == "sqlite"
    assert ready.json()["index_version"].startswith("v")


def test_readyz_is_503_when_the_index_dir_is_empty(make_client: ClientFactory, tmp_path: Path) -> None:
    data_dir = tmp_path / "empty"
    (data_dir / "index").mkdir(parents=True)
    client = make_client(data_dir=data_dir)
    assert client.get("/healthz").status_code == 200
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["code"] == "index_missing" and response.json()["status"] == "unavailable"
    assert "検索インデックスがありません" in response.json()["detail"]


def test_readyz_is_503_when_the_database_cannot_be_opened(
    make_client: ClientFactory, web_data_dir: Path
) -> None:
    (web_data_dir / "advisor.sqlite3").mkdir()
    response = make_client(data_dir=web_data_dir).get("/readyz")
    assert response.status_code == 503
    assert response.json()["code"] == "store_unavailable"
    assert response.json()["detail"].startswith("会話データベースに接続できません")


def test_openapi_docs(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/chat", "/api/chat/stream", "/api/feedback", "/api/programmes", "/api/tools/{name}"):
        assert path in paths
    assert "/api/calendar.ics" in paths and "/healthz" in paths and "/readyz" in paths


def test_widget_files_are_served(make_client: ClientFactory, tmp_path: Path) -> None:
    static = tmp_path / "static"
    static.mkdir()
    (static / "widget.js").write_text("console.log('補助金');\n", encoding="utf-8")
    (static / "demo.html").write_text("<!doctype html><title>デモ</title>\n", encoding="utf-8")
    (static / "widget.css").write_text(".advisor{}\n", encoding="utf-8")
    client = make_client(static_dir=static)
    widget = client.get("/widget.js")
    assert widget.status_code == 200 and widget.headers["content-type"].startswith("text/javascript")
    assert widget.text == "console.log('補助金');\n"
    page = client.get("/")
    assert (
        page.status_code == 200
        and page.headers["content-type"].startswith("text/html")
        and "デモ" in page.text
    )
    assert client.get("/static/widget.css").text == ".advisor{}\n"
    missing = client.get("/static/nothing.js")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_missing_widget_files_are_404(make_client: ClientFactory, tmp_path: Path) -> None:
    client = make_client(static_dir=tmp_path / "nothing-here")
    for path in ("/", "/widget.js"):
        response = client.get(path)
        assert response.status_code == 404 and response.json()["detail"].startswith("ページが見つかりません")
