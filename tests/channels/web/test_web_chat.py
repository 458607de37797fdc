"""``POST /api/chat``, ``/api/chat/stream`` and ``/api/feedback`` over the real advisor."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from bot.channels.web.stream import chunk_text

from .conftest import AS_OF, GRANT_QUESTION, ZERO, ClientFactory, deps_of


def parse_sse(text: str) -> list[tuple[str, Any]]:
    """``event:``/``data:`` blocks → ``[(event, json data)]``; comments (keep-alives) skipped."""
    events: list[tuple[str, Any]] = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        name, data = "message", []
        for line in block.split("\n"):
            if line.startswith("event:"):
                name = line.removeprefix("event:").strip()
            elif line.startswith("data:"):
                data.append(line.removeprefix("data:").removeprefix(" "))
        if data:
            events.append((name, json.loads("\n".join(data))))
    return events


def stream(client: TestClient, body: dict[str, Any]) -> tuple[int, str, list[tuple[str, Any]]]:
    with client.stream("POST", "/api/chat/stream", json=body) as response:
        text = "".join(response.iter_text())
        return response.status_code, response.headers["content-type"], parse_sse(text)


# --- /api/chat ---------------------------------------------------------------------------


def test_chat_computes_the_grant_with_a_citation(client: TestClient) -> None:
    response = client.post("/api/chat", json={"message": GRANT_QUESTION, "as_of": AS_OF})
    assert response.status_code == 200
    data = response.json()
    assert "800万円" in data["answer"]
    assert data["programmes"] == [ZERO]
    assert data["citations"] and data["citations"][0]["url"].startswith("https://")
    assert data["citations"][0]["source_id"] == ZERO and data["citations"][0]["section"]
    grant = next(call for call in data["tool_calls"] if call["name"] == "calculate_grant")
    assert grant["result"]["amount_yen"] == 8_000_000
    assert data["mode"] == "offline" and data["as_of"] == AS_OF
    assert data["session_id"] and data["message_id"]


def test_a_follow_up_continues_the_same_session(client: TestClient) -> None:
    first = client.post("/api/chat", json={"message": GRANT_QUESTION, "as_of": AS_OF}).json()
    second = client.post(
        "/api/chat",
        json={"message": "経費が2,000万円なら？", "session_id": first["session_id"], "as_of": AS_OF},
    ).json()
    assert second["session_id"] == first["session_id"]
    assert second["message_id"] != first["message_id"]
    assert "1,000万円" in second["answer"]  # the cap of category 3, from the remembered facts
    messages = deps_of(client).store.list_messages(first["session_id"])
    assert [m.role for m in messages] == ["user", "assistant", "user", "assistant"]


def test_an_unknown_session_id_starts_a_new_session(client: TestClient) -> None:
    data = client.post(
        "/api/chat", json={"message": GRANT_QUESTION, "session_id": "stale-id-from-a-browser", "as_of": AS_OF}
    ).json()
    assert data["session_id"] != "stale-id-from-a-browser"
    assert deps_of(client).store.get_session(data["session_id"]) is not None


def test_as_of_defaults_to_today_in_tokyo(client: TestClient) -> None:
    from bot.advisor import today_in_tokyo

    data = client.post("/api/chat", json={"message": GRANT_QUESTION}).json()
    assert data["as_of"] == today_in_tokyo().isoformat()


def broken_store_dir(web_data_dir: Path) -> Path:
    """A data dir whose SQLite file cannot be opened (a directory sits at its path)."""
    (web_data_dir / "advisor.sqlite3").mkdir()
    return web_data_dir


def test_an_unavailable_database_is_a_503_with_a_japanese_reason(
    make_client: ClientFactory, web_data_dir: Path
) -> None:
    client = make_client(data_dir=broken_store_dir(web_data_dir))
    response = client.post("/api/chat", json={"message": GRANT_QUESTION, "as_of": AS_OF})
    assert response.status_code == 503
    assert response.json()["code"] == "store_unavailable"
    assert response.json()["detail"].startswith("会話データベースに接続できません")
    assert "Traceback" not in response.text


# --- /api/chat/stream --------------------------------------------------------------------


def test_stream_sends_progress_then_deltas_then_one_final(client: TestClient) -> None:
    status, content_type, events = stream(client, {"message": GRANT_QUESTION, "as_of": AS_OF})
    assert status == 200 and content_type.startswith("text/event-stream")
    names = [name for name, _ in events]
    first_delta = names.index("delta")
    assert names[0] == "progress" and set(names[:first_delta]) == {"progress"}
    assert set(names[first_delta:-1]) == {"delta"} and names[-1] == "final"
    assert names.count("final") == 1
    progress = [data for name, data in events if name == "progress"]
    assert {"label": "計算中…", "tool": "calculate_grant"} in progress
    final = events[-1][1]
    deltas = [data["text"] for name, data in events if name == "delta"]
    assert "".join(deltas) == final["answer"]
    assert all(len(text) <= 60 for text in deltas) and len(deltas) > 3
    assert "800万円" in final["answer"] and final["citations"]
    stored = deps_of(client).store.list_messages(final["session_id"])
    assert stored[-1].message_id == final["message_id"] and stored[-1].content == final["answer"]


def test_stream_follow_up_in_the_same_session(client: TestClient) -> None:
    _, _, events = stream(client, {"message": GRANT_QUESTION, "as_of": AS_OF})
    session_id = events[-1][1]["session_id"]
    _, _, events = stream(
        client, {"message": "受付期間はいつまで？", "session_id": session_id, "as_of": AS_OF}
    )
    final = events[-1][1]
    assert final["session_id"] == session_id and "第5回" in final["answer"]
    assert ("progress", {"label": "受付状況を確認中…", "tool": "application_status"}) in events


def test_stream_reports_an_advisor_error_as_one_error_event(
    make_client: ClientFactory, web_data_dir: Path
) -> None:
    client = make_client(data_dir=broken_store_dir(web_data_dir))
    status, _, events = stream(client, {"message": GRANT_QUESTION, "as_of": AS_OF})
    assert status == 200
    assert [name for name, _ in events] == ["error"]
    error = events[0][1]
    assert error["code"] == "store_unavailable"
    assert error["message_ja"].startswith("会話データベースに接続できません")
    assert "database" in error["message_en"]


def test_stream_validates_before_streaming(client: TestClient) -> None:
    response = client.post("/api/chat/stream", json={"message": "   ", "as_of": AS_OF})
    assert response.status_code == 422 and response.json()["detail"].startswith("ご質問が空です")


# --- /api/feedback -----------------------------------------------------------------------


def test_feedback_is_stored(client: TestClient) -> None:
    answer = client.post("/api/chat", json={"message": GRANT_QUESTION, "as_of": AS_OF}).json()
    response = client.post(
        "/api/feedback",
        json={
            "session_id": answer["session_id"],
            "message_id": answer["message_id"],
            "rating": "up",
            "comment": "分かりやすいです",
        },
    )
    assert response.status_code == 201 and response.json() == {"ok": True}
    client.post(
        "/api/feedback",
        json={"session_id": answer["session_id"], "message_id": answer["message_id"], "rating": "down"},
    )
    stored = deps_of(client).store.list_feedback(answer["session_id"])
    assert [(f.message_id, f.rating, f.comment) for f in stored] == [
        (answer["message_id"], "up", "分かりやすいです"),
        (answer["message_id"], "down", None),
    ]


def test_feedback_on_an_unknown_session_or_message_is_404(client: TestClient) -> None:
    answer = client.post("/api/chat", json={"message": GRANT_QUESTION, "as_of": AS_OF}).json()
    unknown_session = client.post(
        "/api/feedback",
        json={"session_id": "no-such-session", "message_id": answer["message_id"], "rating": "up"},
    )
    assert unknown_session.status_code == 404
    assert unknown_session.json()["code"] == "session_not_found"
    assert "会話が見つかりません" in unknown_session.json()["detail"]
    unknown_message = client.post(
        "/api/feedback",
        json={"session_id": answer["session_id"], "message_id": "no-such-message", "rating": "up"},
    )
    assert unknown_message.status_code == 404
    assert unknown_message.json()["code"] == "message_not_found"
    assert "メッセージがこの会話にありません" in unknown_message.json()["detail"]


def test_feedback_rating_must_be_up_or_down(client: TestClient) -> None:
    response = client.post("/api/feedback", json={"session_id": "s", "message_id": "m", "rating": "meh"})
    assert response.status_code == 422
    assert "評価（rating）は次のいずれかで指定してください" in response.json()["detail"]


def test_feedback_cannot_rate_the_users_own_message(client: TestClient) -> None:
    answer = client.post("/api/chat", json={"message": GRANT_QUESTION, "as_of": AS_OF}).json()
    user_message = deps_of(client).store.list_messages(answer["session_id"])[0]
    response = client.post(
        "/api/feedback",
        json={"session_id": answer["session_id"], "message_id": user_message.message_id, "rating": "down"},
    )
    assert response.status_code == 422 and "評価できるのは" in response.json()["detail"]


# --- chunking ----------------------------------------------------------------------------


def test_chunks_join_back_and_cut_at_natural_boundaries() -> None:
    text = (
        "## 見出し\n\n区分3の助成額は800万円です。対象経費 12,000,000円 × 助成率 2/3 = 8,000,000円、"
        "助成上限額 10,000,000円 以内です。端数処理は募集要項で確認してください"
        "（この計算では1円未満切り捨て）。\n"
        "- 出典: ゼロエミッション化に向けた省エネ設備導入・運用改善支援事業 — 事業概要 > 助成額等\n"
    )
    chunks = chunk_text(text)
    assert "".join(chunks) == text
    assert all(len(chunk) <= 60 for chunk in chunks)
    assert all(len(chunk) >= 20 for chunk in chunks[:-1])
    assert all(chunk[-1] in "\n。！？!?、，,；;：:）)」』】 " for chunk in chunks[:-1])


def test_chunks_without_boundaries_are_cut_hard() -> None:
    text = "あ" * 130
    assert chunk_text(text) == ["あ" * 60, "あ" * 60, "あ" * 10]
    assert chunk_text("") == [] and chunk_text("短い") == ["短い"]
