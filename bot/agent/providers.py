"""Chat-model providers: parse ``ADVISOR_LLM``, build the LangChain chat model, classify failures.

``ADVISOR_LLM`` is ``<provider>:<model>`` with provider ``openai``, ``anthropic``, ``ollama`` or
``openai-compatible`` (any server speaking the OpenAI chat-completions API; needs
``ADVISOR_LLM_BASE_URL``). Provider packages are imported only when a model is built, so importing
this module stays cheap. Every model is deterministic (temperature 0) and has a request timeout
and the client's own retries with backoff.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, get_args

from bot.errors import AdvisorError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from bot.config import Settings

Provider = Literal["openai", "anthropic", "ollama", "openai-compatible"]
PROVIDERS: tuple[Provider, ...] = get_args(Provider)
EXAMPLES = "openai:gpt-4.1-mini, anthropic:claude-sonnet-4-5, ollama:qwen3:8b, openai-compatible:<model>"
NO_KEY = "not-needed"  # local OpenAI-compatible servers accept any key; the client insists on one


class LlmConfigError(AdvisorError):
    """``ADVISOR_LLM`` (or the settings that go with it) cannot be used."""

    code = "llm_config"


class LlmUnavailableError(AdvisorError):
    """The chat model did not answer (timeout, connection, HTTP error) after the client's retries.

    ``bot.advisor`` catches it and answers the turn with the offline engine instead.
    """

    code = "llm_unavailable"

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        suffix = f" ({detail})" if detail else ""
        super().__init__(
            f"言語モデルに接続できませんでした（{REASONS_JA.get(reason, reason)}）。"
            "オフラインの案内に切り替えます。",
            f"The language model is unavailable: {reason}{suffix}. Falling back to the offline engine.",
        )


REASONS_JA = {
    "timeout": "応答がタイムアウトしました",
    "connection": "接続できません",
    "server_error": "サーバーエラー",
    "rate_limited": "リクエスト数の上限",
    "auth": "認証エラー",
    "bad_request": "リクエストが受け付けられませんでした",
}


@dataclass(frozen=True)
class LlmSpec:
    """A parsed ``ADVISOR_LLM``: provider and model name."""

    provider: Provider
    model: str

    @property
    def mode(self) -> str:
        """The engine mode, ``llm:<provider>:<model>``."""
        return f"llm:{self.provider}:{self.model}"


def parse_llm_spec(value: str) -> LlmSpec:
    """``openai:gpt-4.1-mini`` → ``LlmSpec("openai", "gpt-4.1-mini")``; LlmConfigError if malformed."""
    text = value.strip()
    provider, sep, model = text.partition(":")
    provider, model = provider.strip().lower(), model.strip()
    if not sep or not provider or not model:
        raise LlmConfigError(
            f"ADVISOR_LLM「{value}」は「<プロバイダ>:<モデル名>」の形式で指定してください"
            f"（プロバイダ: {', '.join(PROVIDERS)}。例: {EXAMPLES}）",
            f"ADVISOR_LLM '{value}' must be '<provider>:<model>' (providers: {', '.join(PROVIDERS)}; "
            f"e.g. {EXAMPLES})",
        )
    if provider not in PROVIDERS:
        raise LlmConfigError(
            f"ADVISOR_LLM のプロバイダ「{provider}」には対応していません"
            f"（使えるのは {', '.join(PROVIDERS)}）",
            f"Unknown ADVISOR_LLM provider '{provider}'. Use one of: {', '.join(PROVIDERS)}",
        )
    return LlmSpec(provider, model)


def spec_from_settings(settings: Settings) -> LlmSpec:
    """The configured model; LlmConfigError when ``ADVISOR_LLM`` is unset."""
    if not settings.llm:
        raise LlmConfigError(
            "言語モデルが設定されていません（ADVISOR_LLM を設定してください）",
            "No language model configured: set ADVISOR_LLM",
        )
    return parse_llm_spec(settings.llm)


def api_key_for(settings: Settings, provider: Provider) -> str | None:
    """ADVISOR_LLM_API_KEY, else the provider's usual variable (OPENAI_API_KEY / ANTHROPIC_API_KEY)."""
    for secret in (
        settings.llm_api_key,
        settings.openai_api_key if provider in ("openai", "openai-compatible") else None,
        settings.anthropic_api_key if provider == "anthropic" else None,
    ):
        if secret is not None and secret.get_secret_value():
            return secret.get_secret_value()
    return None


def build_chat_model(settings: Settings) -> BaseChatModel:
    """The chat model for ``settings.llm`` with timeout, retries and temperature 0 (no network call)."""
    spec = spec_from_settings(settings)
    key = api_key_for(settings, spec.provider)
    timeout, retries, base_url = settings.llm_timeout_s, settings.llm_max_retries, settings.llm_base_url
    if spec.provider in ("openai", "openai-compatible"):
        from langchain_openai import ChatOpenAI

        if spec.provider == "openai-compatible" and not base_url:
            raise LlmConfigError(
                "openai-compatible には ADVISOR_LLM_BASE_URL（例: http://127.0.0.1:8000/v1）が必要です",
                "openai-compatible needs ADVISOR_LLM_BASE_URL (e.g. http://127.0.0.1:8000/v1)",
            )
        if spec.provider == "openai" and key is None:
            raise _missing_key("OPENAI_API_KEY")
        return ChatOpenAI(
            model=spec.model,
            api_key=key or NO_KEY,
            base_url=base_url,
            timeout=timeout,
            max_retries=retries,
            temperature=0,
            # other servers speak chat completions only; let OpenAI itself choose
            use_responses_api=False if spec.provider == "openai-compatible" else None,
        )
    if spec.provider == "anthropic":
        from langchain_anthropic import ChatAnthropic

        if key is None:
            raise _missing_key("ANTHROPIC_API_KEY")
        return ChatAnthropic(
            model=spec.model,
            api_key=key,
            base_url=base_url,
            timeout=timeout,
            max_retries=retries,
            temperature=0,
            stop=None,
        )
    import httpx
    from langchain_ollama import ChatOllama

    # The ollama client has no retry loop of its own: httpx retries failed connections.
    return ChatOllama(
        model=spec.model,
        base_url=base_url,
        temperature=0,
        client_kwargs={"timeout": timeout},
        sync_client_kwargs={"transport": httpx.HTTPTransport(retries=retries)},
        async_client_kwargs={"transport": httpx.AsyncHTTPTransport(retries=retries)},
    )


def _missing_key(variable: str) -> LlmConfigError:
    return LlmConfigError(
        f"APIキーがありません。ADVISOR_LLM_API_KEY または {variable} を設定してください",
        f"No API key: set ADVISOR_LLM_API_KEY or {variable}",
    )


def classify_provider_error(exc: BaseException) -> str | None:
    """Why a provider call failed ('timeout', 'connection', 'server_error', …), None if not a provider error.

    Checks the openai, anthropic and ollama client exceptions and httpx's, by class name along
    the exception's MRO so no provider package has to be imported here.
    """
    names = {cls.__name__ for cls in type(exc).__mro__}
    module = type(exc).__module__.split(".")[0]
    if module not in {"openai", "anthropic", "ollama", "httpx", "httpcore", "builtins"}:
        return None
    if names & {"APITimeoutError", "TimeoutException", "ReadTimeout", "ConnectTimeout", "TimeoutError"}:
        return "timeout"
    if names & {"APIConnectionError", "ConnectError", "RemoteProtocolError", "TransportError"}:
        return "connection"
    if module == "builtins":
        return "connection" if isinstance(exc, ConnectionError) else None
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        if status >= 500:
            return "server_error"
        if status == 429:
            return "rate_limited"
        if status in (401, 403):
            return "auth"
        return "bad_request"
    if "APIError" in names or "ResponseError" in names:
        return "server_error"
    return None
