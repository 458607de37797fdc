"""The real OpenAI client (ChatOpenAI) against a scripted OpenAI-compatible server on 127.0.0.1.

These tests exercise the wire format — tool schemas in the request, tool calls and text in the
response, streamed SSE chunks — not only our wrapper; and the provider failures that make the
advisor fall back to the offline engine.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator

import pytest
from fakes.openai_server import FakeOpenAIServer, Reply

from bot.agent.base import TurnContext
from bot.agent.llm import LlmEngine, LlmUnavailableError
from bot.agent.prompts import system_prompt
from bot.agent.toolkit import Toolkit
from bot.agent.tools import CalculateGrantArgs, ProgrammeIdArgs
from bot.config import Settings
from bot.deps import Deps

from .support import AS_OF, GRANT_ARGS, ZERO_EMISSION

ANSWER = (
    "区分1の助成額は4,500万円です。\n\n### 出典\n"
    "- ゼロエミッション化に向けた省エネ設備導入・運用改善支援事業 — 事業概要 > 助成額等"
)
QUESTION = "区分1で対象経費8,000万円ならいくら？"


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as fake:
        yield fake


@pytest.fixture
def engine_for(make_settings: Callable[..., Settings]) -> Callable[..., LlmEngine]:
    def make(server: FakeOpenAIServer, **overrides: object) -> LlmEngine:
        settings = make_settings(
            llm="openai-compatible:fake-model",
            llm_base_url=server.base_url,
            llm_api_key="test",
            **{"llm_timeout_s": 5.0, "llm_max_retries": 0, **overrides},
        )
        return LlmEngine(settings)

    return make


def ctx() -> TurnContext:
    return TurnContext(message=QUESTION, session_id="s-1", as_of=AS_OF)


def expected_system_prompt(deps: Deps) -> str:
    programmes = [(p.id, p.name.value, p.kind) for p in deps.knowledge.programmes.values()]
    return system_prompt(AS_OF, programmes).text


def check_requests(server: FakeOpenAIServer, deps: Deps, stream: bool) -> None:
    first, second = server.requests
    for request in (first, second):
        body = request.body
        assert request.headers["authorization"] == "Bearer test"
        assert body["model"] == "fake-model" and body["temperature"] == 0
        assert bool(body.get("stream")) is stream
        tools = {tool["function"]["name"]: tool["function"] for tool in body["tools"]}
        assert set(tools) == {
            "search_documents",
            "find_programmes",
            "get_programme_facts",
            "check_eligibility",
            "calculate_grant",
            "recommend_category",
            "application_status",
        }
        grant = tools["calculate_grant"]
        assert grant["description"].startswith("助成額を計算する")
        assert grant["parameters"]["required"] == ["programme_id"]
        assert set(grant["parameters"]["properties"]) == set(
            CalculateGrantArgs.model_json_schema()["properties"]
        )
        assert tools["application_status"]["parameters"]["properties"].keys() == {"programme_id"}
        assert set(ProgrammeIdArgs.model_fields) == {"programme_id"}
        assert body["messages"][0] == {"role": "system", "content": expected_system_prompt(deps)}
        assert body["messages"][1] == {"role": "user", "content": QUESTION}
    # the second request carries the tool call and its result back to the model
    assistant, tool = second.body["messages"][2:4]
    [call] = assistant["tool_calls"]
    assert (
        call["function"]["name"] == "calculate_grant"
        and json.loads(call["function"]["arguments"]) == GRANT_ARGS
    )
    assert tool["role"] == "tool" and tool["tool_call_id"] == call["id"]
    assert json.loads(tool["content"])["amount_yen"] == 45_000_000


def test_tool_call_then_answer(
    server: FakeOpenAIServer, engine_for: Callable[..., LlmEngine], deps: Deps
) -> None:
    server.add(Reply.tool("calculate_grant", GRANT_ARGS), Reply.text(ANSWER))
    engine = engine_for(server)
    assert engine.mode == "llm:openai-compatible:fake-model"

    reply = engine.respond(ctx(), Toolkit(deps, AS_OF))

    assert reply.answer == ANSWER
    assert reply.tool_calls[0].result["amount_yen"] == 45_000_000
    assert reply.programmes == [ZERO_EMISSION] and reply.citations
    check_requests(server, deps, stream=False)


def test_streamed_tool_call_then_streamed_answer(
    server: FakeOpenAIServer, engine_for: Callable[..., LlmEngine], deps: Deps
) -> None:
    server.add(Reply.tool("calculate_grant", GRANT_ARGS), Reply.text(ANSWER))

    events = list(engine_for(server).stream(ctx(), Toolkit(deps, AS_OF)))

    assert [e.type for e in events[:2]] == ["tool_start", "tool_end"]
    assert events[0].tool == "calculate_grant" and events[0].label == "計算中…"
    deltas = [e.text for e in events if e.type == "text"]
    assert len(deltas) > 1 and "".join(deltas) == ANSWER  # arrived in pieces
    final = events[-1].reply
    assert events[-1].type == "final" and final is not None and final.answer == ANSWER
    assert final.tool_calls[0].result["amount_yen"] == 45_000_000
    check_requests(server, deps, stream=True)


def test_a_provider_timeout_raises_llm_unavailable_promptly(
    server: FakeOpenAIServer, engine_for: Callable[..., LlmEngine], deps: Deps
) -> None:
    server.add(Reply.slow(5.0))
    engine = engine_for(server, llm_timeout_s=0.5)
    started = time.monotonic()
    with pytest.raises(LlmUnavailableError) as caught:
        engine.respond(ctx(), Toolkit(deps, AS_OF))
    assert time.monotonic() - started < 2.5
    assert caught.value.reason == "timeout" and caught.value.code == "llm_unavailable"
    assert "タイムアウト" in caught.value.message_ja and "timeout" in caught.value.message_en


def test_http_500_raises_llm_unavailable(
    server: FakeOpenAIServer, engine_for: Callable[..., LlmEngine], deps: Deps
) -> None:
    server.add(Reply.error(500))
    with pytest.raises(LlmUnavailableError) as caught:
        engine_for(server).respond(ctx(), Toolkit(deps, AS_OF))
    assert caught.value.reason == "server_error" and len(server.requests) == 1


def test_the_client_retries_before_giving_up(
    server: FakeOpenAIServer, engine_for: Callable[..., LlmEngine], deps: Deps
) -> None:
    server.add(Reply.error(503), Reply.error(502))
    with pytest.raises(LlmUnavailableError):
        engine_for(server, llm_max_retries=1).respond(ctx(), Toolkit(deps, AS_OF))
    assert len(server.requests) == 2  # the client's own retry (the fake sends retry-after-ms: 10)


def test_a_retry_can_succeed(
    server: FakeOpenAIServer, engine_for: Callable[..., LlmEngine], deps: Deps
) -> None:
    server.add(Reply.error(500), Reply.text("こんにちは。ご相談内容を教えてください。"))
    reply = engine_for(server, llm_max_retries=2).respond(ctx(), Toolkit(deps, AS_OF))
    assert reply.answer.startswith("こんにちは") and len(server.requests) == 2


def test_a_streamed_server_error_raises_llm_unavailable(
    server: FakeOpenAIServer, engine_for: Callable[..., LlmEngine], deps: Deps
) -> None:
    server.add(Reply.error(500))
    with pytest.raises(LlmUnavailableError):
        list(engine_for(server).stream(ctx(), Toolkit(deps, AS_OF)))


def test_an_unreachable_server_raises_llm_unavailable(
    engine_for: Callable[..., LlmEngine], deps: Deps
) -> None:
    closed = FakeOpenAIServer()
    closed.close()  # never started: nothing listens on its port any more
    with pytest.raises(LlmUnavailableError) as caught:
        engine_for(closed).respond(ctx(), Toolkit(deps, AS_OF))
    assert caught.value.reason == "connection"
