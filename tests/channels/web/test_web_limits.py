"""Limits and safety: body cap, message length, validation, rate limits, CORS, errors, logs."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.channels.web.access_log import ACCESS_LOGGER
from bot.channels.web.limits import SlidingWindowLimiter

from .conftest import AS_OF, GRANT_QUESTION, ClientFactory

# --- body and message size ---------------------------------------------------------------


def test_an_oversized_body_is_413(make_client: ClientFactory) -> None:
    client = make_client(max_body_bytes=1024)
    response = client.post("/api/chat", json={"message": "あ" * 2000})
    assert response.status_code == 413
    assert response.json() == {
        "code": "payload_too_large",
        "detail": "リクエストが大きすぎます（最大1,024バイト）。",
        "detail_en": "The request body is too large (limit 1,024 bytes).",
    }


def test_an_oversized_chunked_body_is_413(make_client: ClientFactory) -> None:
    client = make_client(max_body_bytes=1024)

    def chunks() -> Iterator[bytes]:
        yield b'{"message": "'
        for _ in range(20):
            yield b"x" * 100
        yield b'"}'

    response = client.post("/api/chat", content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and response.json()["code"] == "payload_too_large"


def test_a_body_just_under_the_cap_is_accepted(make_client: ClientFactory) -> None:
    client = make_client(max_body_bytes=1024)
    body = json.dumps({"message": GRANT_QUESTION, "as_of": AS_OF}, ensure_ascii=False).encode()
    assert len(body) < 1024
    response = client.post("/api/chat", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 200


def test_an_over_long_message_is_422_not_truncated(make_client: ClientFactory) -> None:
    # (the store applies the same limit to the answers it keeps, so it cannot be tiny)
    client = make_client(max_message_chars=5000)
    too_long = GRANT_QUESTION + "。" * (5001 - len(GRANT_QUESTION))
    response = client.post("/api/chat", json={"message": too_long, "as_of": AS_OF})
    assert response.status_code == 422
    assert response.json()["code"] == "message_too_long"
    assert response.json()["detail"].startswith("メッセージが長すぎます（最大5,000文字）")
    stream = client.post("/api/chat/stream", json={"message": too_long})
    assert stream.status_code == 422 and stream.json()["code"] == "message_too_long"
    at_limit = client.post("/api/chat", json={"message": too_long[:5000], "as_of": AS_OF})
    assert at_limit.status_code == 200 and "注意" not in at_limit.json()["answer"][:20]
    assert not at_limit.json()["answer"].startswith("※ご質問が長すぎた"), "never truncated"


# --- validation in Japanese --------------------------------------------------------------


@pytest.mark.parametrize("message", ["", "   ", "\n\t"])
def test_an_empty_message_is_422(client: TestClient, message: str) -> None:
    response = client.post("/api/chat", json={"message": message})
    assert response.status_code == 422
    assert response.json()["detail"] == "ご質問が空です。助成金について知りたいことを入力してください。"
    assert response.json()["detail_en"].startswith("The message is empty")


@pytest.mark.parametrize("as_of", ["2026-02-30", "20260120", "2026/01/20", "2026-01-20T09:00:00", 20260120])
def test_a_bad_as_of_is_422(client: TestClient, as_of: object) -> None:
    response = client.post("/api/chat", json={"message": GRANT_QUESTION, "as_of": as_of})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_request"
    assert "基準日（as_of）は YYYY-MM-DD 形式の実在する日付で指定してください" in body["detail"]
    assert "as_of" in body["detail_en"] and body["errors"][0]["loc"] == ["body", "as_of"]


def test_validation_problems_are_listed_in_japanese(client: TestClient) -> None:
    missing = client.post("/api/chat", json={"session_id": "abc"})
    assert missing.status_code == 422 and "メッセージ（message）は必須です" in missing.json()["detail"]
    extra = client.post("/api/chat", json={"message": "こんにちは", "channel": "slack"})
    assert extra.status_code == 422 and "channelという項目は使えません" in extra.json()["detail"]
    wrong_type = client.post("/api/chat", json={"message": 42})
    assert (
        wrong_type.status_code == 422
        and "メッセージ（message）の形式が正しくありません" in wrong_type.json()["detail"]
    )
    broken = client.post("/api/chat", content=b'{"message": ', headers={"Content-Type": "application/json"})
    assert broken.status_code == 422 and "JSONが正しくありません" in broken.json()["detail"]
    long_id = client.post("/api/chat", json={"message": "こんにちは", "session_id": "s" * 65})
    assert (
        long_id.status_code == 422
        and "会話ID（session_id）が長すぎます（最大64文字）" in long_id.json()["detail"]
    )


def test_unknown_paths_and_methods_answer_in_japanese(client: TestClient) -> None:
    missing = client.get("/api/nothing")
    assert missing.status_code == 404 and missing.json()["detail"].startswith("ページが見つかりません")
    wrong = client.get("/api/chat")
    assert wrong.status_code == 405 and wrong.json()["code"] == "method_not_allowed"
    assert "POST" in wrong.headers["allow"]


# --- rate limits -------------------------------------------------------------------------


def test_the_per_session_limit_is_429_with_retry_after(make_client: ClientFactory) -> None:
    client = make_client(rate_limit_per_session=2, rate_limit_window_s=30)
    first = client.post("/api/chat", json={"message": GRANT_QUESTION, "as_of": AS_OF}).json()
    body = {"message": "経費が2,000万円なら？", "session_id": first["session_id"], "as_of": AS_OF}
    assert client.post("/api/chat", json=body).status_code == 200
    assert client.post("/api/chat", json=body).status_code == 200
    limited = client.post("/api/chat/stream", json=body)
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 30
    assert (
        limited.json()["code"] == "rate_limited"
        and "この会話のリクエストが多すぎます" in limited.json()["detail"]
    )
    other = client.post("/api/chat", json={"message": GRANT_QUESTION, "as_of": AS_OF})
    assert other.status_code == 200, "another conversation is not limited"


def test_the_per_ip_limit_is_429_with_retry_after(make_client: ClientFactory) -> None:
    client = make_client(rate_limit_per_ip=3, rate_limit_window_s=60)
    for _ in range(3):
        assert client.post(
            "/api/tools/application_status", json={"programme_id": "meti-cn-action-plan"}
        ).is_success
    limited = client.post("/api/chat", json={"message": GRANT_QUESTION, "as_of": AS_OF})
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert "このIPアドレスからのリクエストが多すぎます" in limited.json()["detail"]
    assert client.get("/api/programmes").status_code == 200, "reads are not limited"


def test_the_sliding_window_forgets_old_hits() -> None:
    now = [100.0]
    limiter = SlidingWindowLimiter(2, 10.0, max_keys=2, clock=lambda: now[0])
    assert limiter.hit("a") is None and limiter.hit("a") is None
    assert limiter.hit("a") == pytest.approx(10.0)
    now[0] = 105.0
    assert limiter.hit("a") == pytest.approx(5.0), "a refused hit is not counted"
    now[0] = 110.0
    assert limiter.hit("a") is None
    limiter.hit("b")
    limiter.hit("c")
    assert len(limiter) == 2, "the least recently used key is dropped"
    assert SlidingWindowLimiter(0, 1.0).hit("x") is None, "0 means no limit"


# --- CORS --------------------------------------------------------------------------------


def test_cors_allows_only_the_listed_origins(make_client: ClientFactory) -> None:
    client = make_client(allowed_origins=["https://shoko.example.jp"])
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    allowed = client.options("/api/chat", headers={"Origin": "https://shoko.example.jp", **preflight})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://shoko.example.jp"
    denied = client.options("/api/chat", headers={"Origin": "https://evil.example", **preflight})
    assert "access-control-allow-origin" not in denied.headers
    simple = client.get("/api/programmes", headers={"Origin": "https://evil.example"})
    assert simple.status_code == 200 and "access-control-allow-origin" not in simple.headers
    listed = client.get("/api/programmes", headers={"Origin": "https://shoko.example.jp"})
    assert listed.headers["access-control-allow-origin"] == "https://shoko.example.jp"


def test_errors_carry_cors_headers_for_listed_origins(make_client: ClientFactory) -> None:
    client = make_client(allowed_origins=["https://shoko.example.jp"], max_body_bytes=512)
    response = client.post(
        "/api/chat", json={"message": "x" * 1000}, headers={"Origin": "https://shoko.example.jp"}
    )
    assert response.status_code == 413
    assert response.headers["access-control-allow-origin"] == "https://shoko.example.jp"


def test_the_same_origin_demo_needs_no_cors(client: TestClient) -> None:
    response = client.post(
        "/api/chat", json={"message": GRANT_QUESTION, "as_of": AS_OF}, headers={"Origin": "http://testserver"}
    )
    assert response.status_code == 200 and "access-control-allow-origin" not in response.headers


# --- unexpected errors and logs ----------------------------------------------------------


def test_an_unexpected_exception_is_a_plain_500(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    app = client.app
    assert isinstance(app, FastAPI)

    def explode() -> None:
        raise RuntimeError("secret-internal-detail /etc/advisor.conf")

    app.add_api_route("/api/explode", explode, methods=["GET"])
    with caplog.at_level(logging.ERROR, logger="bot.channels.web"):
        response = client.get("/api/explode")
    assert response.status_code == 500
    body = response.json()
    assert body["code"] == "internal_error"
    assert body["detail"].startswith("申し訳ありません。内部エラーが発生しました。")
    assert "Traceback" not in response.text and "secret-internal-detail" not in response.text
    assert "RuntimeError" not in response.text
    logged = [r for r in caplog.records if r.name == "bot.channels.web" and r.exc_info]
    assert logged and "secret-internal-detail" in str(logged[0].exc_info[1])  # type: ignore[index]
    assert client.get("/healthz").status_code == 200, "the app keeps serving"


def access_records(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == ACCESS_LOGGER]


def test_access_log_is_json_without_bodies(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
        answer = client.post("/api/chat", json={"message": GRANT_QUESTION, "as_of": AS_OF}).json()
        client.get("/healthz")
    chat, health = access_records(caplog)
    assert chat["method"] == "POST" and chat["path"] == "/api/chat" and chat["status"] == 200
    assert chat["session_id"] == answer["session_id"]
    assert isinstance(chat["duration_ms"], float) and chat["duration_ms"] > 0
    assert "body" not in chat and health["session_id"] is None and health["status"] == 200
    assert "ゼロエミ" not in caplog.text


def test_access_log_includes_bodies_only_when_configured(
    make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client(log_bodies=True)
    with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
        client.post("/api/chat", json={"message": GRANT_QUESTION, "as_of": AS_OF})
    (record,) = access_records(caplog)
    assert GRANT_QUESTION in str(record["body"])


def test_a_cross_site_form_post_is_refused(client: TestClient) -> None:
    body = json.dumps({"message": GRANT_QUESTION}, ensure_ascii=False).encode()
    for content_type in ("text/plain", "application/x-www-form-urlencoded"):
        response = client.post("/api/chat", content=body, headers={"Content-Type": content_type})
        assert response.status_code == 422, content_type
        assert "リクエスト本文はJSONオブジェクトで指定してください" in response.json()["detail"]
