"""The offline engine: a deterministic dialogue manager (no LLM) over the advisor's toolkit."""

from bot.agent.offline.engine import OfflineEngine

__all__ = ["OfflineEngine"]
