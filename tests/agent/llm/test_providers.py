"""ADVISOR_LLM parsing, building each provider's chat model (no network), classifying failures."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

import httpx
import openai
import pytest
from langchain_anthropic import ChatAnthropic
from langchain_ollama import ChatOllama
from langchain_openai import ChatOpenAI

from bot.agent.providers import (
    LlmConfigError,
    LlmSpec,
    LlmUnavailableError,
    api_key_for,
    build_chat_model,
    classify_provider_error,
    parse_llm_spec,
)
from bot.config import PROJECT_ROOT, Settings

KEYS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "ADVISOR_LLM_API_KEY", "ADVISOR_LLM", "ADVISOR_LLM_BASE_URL")


@pytest.fixture(autouse=True)
def no_provider_keys_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in KEYS:
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    ("value", "spec"),
    [
        ("openai:gpt-4.1-mini", LlmSpec("openai", "gpt-4.1-mini")),
        ("Anthropic:claude-sonnet-4-5", LlmSpec("anthropic", "claude-sonnet-4-5")),
        ("ollama:qwen3:8b", LlmSpec("ollama", "qwen3:8b")),  # the model name may contain ':'
        (" openai-compatible:local-model ", LlmSpec("openai-compatible", "local-model")),
    ],
)
def test_parse_llm_spec(value: str, spec: LlmSpec) -> None:
    assert parse_llm_spec(value) == spec
    assert spec.mode == f"llm:{spec.provider}:{spec.model}"


@pytest.mark.parametrize(
    ("value", "ja"), [("gpt4", "<プロバイダ>:<モデル名>"), ("openai:", "<プロバイダ>:<モデル名>")]
)
def test_a_value_without_provider_or_model_is_a_config_error(value: str, ja: str) -> None:
    with pytest.raises(LlmConfigError) as caught:
        parse_llm_spec(value)
    assert ja in caught.value.message_ja and "must be '<provider>:<model>'" in caught.value.message_en
    assert caught.value.code == "llm_config"


def test_an_unknown_provider_is_a_config_error() -> None:
    with pytest.raises(LlmConfigError) as caught:
        parse_llm_spec("gemini:pro")
    assert "プロバイダ「gemini」には対応していません" in caught.value.message_ja
    assert "Unknown ADVISOR_LLM provider 'gemini'" in caught.value.message_en
    assert "openai-compatible" in caught.value.message_en


def test_openai(make_settings: Callable[..., Settings]) -> None:
    model = build_chat_model(
        make_settings(llm="openai:gpt-4.1-mini", openai_api_key="sk-test", llm_timeout_s=7)
    )
    assert isinstance(model, ChatOpenAI)
    assert model.model_name == "gpt-4.1-mini" and model.temperature == 0
    assert model.request_timeout == 7 and model.max_retries == 2
    assert model.openai_api_key is not None and model.openai_api_key.get_secret_value() == "sk-test"


def test_openai_compatible_needs_a_base_url(make_settings: Callable[..., Settings]) -> None:
    with pytest.raises(LlmConfigError) as caught:
        build_chat_model(make_settings(llm="openai-compatible:local"))
    assert (
        "ADVISOR_LLM_BASE_URL" in caught.value.message_ja
        and "ADVISOR_LLM_BASE_URL" in caught.value.message_en
    )
    model = build_chat_model(
        make_settings(
            llm="openai-compatible:local", llm_base_url="http://127.0.0.1:8001/v1", llm_max_retries=0
        )
    )
    assert isinstance(model, ChatOpenAI)
    assert model.openai_api_base == "http://127.0.0.1:8001/v1" and model.max_retries == 0
    assert model.use_responses_api is False  # other servers speak chat completions


def test_anthropic(make_settings: Callable[..., Settings]) -> None:
    model = build_chat_model(
        make_settings(
            llm="anthropic:claude-sonnet-4-5",
            anthropic_api_key="ak-test",
            llm_base_url="http://127.0.0.1:8002",
            llm_timeout_s=9,
            llm_max_retries=3,
        )
    )
    assert isinstance(model, ChatAnthropic)
    assert model.model == "claude-sonnet-4-5" and model.temperature == 0
    assert model.anthropic_api_url == "http://127.0.0.1:8002"
    assert model.default_request_timeout == 9 and model.max_retries == 3


def test_ollama(make_settings: Callable[..., Settings]) -> None:
    model = build_chat_model(
        make_settings(llm="ollama:qwen3:8b", llm_base_url="http://127.0.0.1:11434", llm_timeout_s=11)
    )
    assert isinstance(model, ChatOllama)
    assert model.model == "qwen3:8b" and model.base_url == "http://127.0.0.1:11434" and model.temperature == 0
    assert model.client_kwargs == {"timeout": 11}


@pytest.mark.parametrize(
    ("llm", "variable"), [("openai:gpt-4.1", "OPENAI_API_KEY"), ("anthropic:x", "ANTHROPIC_API_KEY")]
)
def test_a_missing_key_is_a_config_error(
    make_settings: Callable[..., Settings], llm: str, variable: str
) -> None:
    with pytest.raises(LlmConfigError) as caught:
        build_chat_model(make_settings(llm=llm))
    assert variable in caught.value.message_ja and variable in caught.value.message_en


def test_no_model_configured_is_a_config_error(make_settings: Callable[..., Settings]) -> None:
    with pytest.raises(LlmConfigError, match="ADVISOR_LLM"):
        build_chat_model(make_settings())


def test_keys_come_from_the_environment(
    make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "ak-env")
    settings = make_settings()
    assert api_key_for(settings, "openai") == "sk-env" and api_key_for(settings, "anthropic") == "ak-env"
    assert api_key_for(settings, "ollama") is None
    monkeypatch.setenv("ADVISOR_LLM_API_KEY", "advisor-key")
    monkeypatch.setenv("ADVISOR_LLM", "anthropic:claude-x")
    settings = make_settings(llm="anthropic:claude-x")
    assert api_key_for(settings, "anthropic") == "advisor-key"  # the advisor's own key wins


def test_provider_failures_are_classified() -> None:
    request = httpx.Request("POST", "http://127.0.0.1/v1/chat/completions")

    def status(code: int) -> openai.APIStatusError:
        return openai.APIStatusError("x", response=httpx.Response(code, request=request), body=None)

    assert classify_provider_error(openai.APITimeoutError(request)) == "timeout"
    assert classify_provider_error(openai.APIConnectionError(request=request)) == "connection"
    assert classify_provider_error(status(503)) == "server_error"
    assert classify_provider_error(status(429)) == "rate_limited"
    assert classify_provider_error(status(401)) == "auth"
    assert classify_provider_error(httpx.ConnectError("refused")) == "connection"
    assert classify_provider_error(ConnectionRefusedError()) == "connection"
    assert classify_provider_error(ValueError("a bug")) is None
    assert classify_provider_error(KeyError("x")) is None


def test_llm_unavailable_is_bilingual() -> None:
    error = LlmUnavailableError("server_error", "HTTP 500")
    assert error.to_dict() == {
        "code": "llm_unavailable",
        "message_ja": "言語モデルに接続できませんでした（サーバーエラー）。オフラインの案内に切り替えます。",
        "message_en": "The language model is unavailable: server_error (HTTP 500). "
        "Falling back to the offline engine.",
    }


def test_importing_the_engine_does_not_import_langchain() -> None:
    code = (
        "import sys, bot.agent.llm, bot.agent.tools, bot.agent.providers, bot.agent.prompts\n"
        "print(sorted(m for m in sys.modules if m.startswith('lang')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
