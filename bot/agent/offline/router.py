"""The semantic intent router: what a message asks for, read from its nearest example utterances.

``knowledge/intents.yaml`` labels typical messages (Japanese and English) with the engine's
intents. The router embeds them once per knowledge generation — with the bundled embedder's
passage encoding, the message with its query encoding (e5's asymmetric prefixes; measured
better than query–query on the examples, leave-one-out) — and scores a message against every
intent as the mean similarity of that intent's :data:`NEIGHBOURS` nearest examples.

The scores of a small embedding model are compressed (0.90 for the right intent, 0.87 for the
next), so the router ranks rather than thresholds: its confidence is the margin between the
best and the second-best intent, and a reading is :attr:`Routing.confident` when that margin
reaches :data:`CONFIDENT_MARGIN`. Calibrated on the examples themselves, leave-one-out: about
95 % of the readings above that margin are right (against ~70 % over all), and they are a
third of the Japanese examples and nearly half of the English ones. The engine combines the
router with its exact keyword rules (``bot/agent/offline/detect.py``).

The example matrix is cached per process by (embedder, examples digest): every request, every
``Deps`` and every knowledge generation with the same examples share one embedding pass
(~3 s for ~450 examples), and the vectors are kept on disk for the next process
(:mod:`bot.retrieval.vector_cache`). A message costs one query embedding (10–25 ms on one BLAS thread,
growing with its length; a message is routed on its last :data:`ROUTE_CHARS` characters).
Deterministic: the same message gives the same scores.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.knowledge.intents import Intent, IntentExamples, Language
from bot.retrieval.embeddings import Embedder, Matrix
from bot.retrieval.search import SingleThreadScope
from bot.retrieval.vector_cache import BuiltOnce, cached_passages

NEIGHBOURS = 3  # an intent's score: the mean similarity of its NEIGHBOURS nearest examples
CONFIDENT_MARGIN = 0.015  # best − second-best intent score at which the reading is trusted
LATIN_SHARE = 0.7  # share of Latin letters among a message's letters from which it is English
ROUTE_CHARS = 120  # a longer message is routed on its end (where questions usually are)
MAX_CACHED = 4  # example matrices kept (one per embedder and examples version)


def language(text: str) -> Language:
    """``en`` when Latin letters make up most of the message's letters, else ``ja``."""
    letters = [ch for ch in unicodedata.normalize("NFKC", text) if ch.isalpha()]
    latin = sum(1 for ch in letters if ch.isascii())
    return "en" if letters and latin / len(letters) >= LATIN_SHARE else "ja"


@dataclass(frozen=True)
class Routing:
    """Every intent's score for one message, best first, and how sure the router is."""

    scores: tuple[tuple[Intent, float], ...]
    language: Language

    @property
    def best(self) -> Intent:
        return self.scores[0][0]

    @property
    def runner_up(self) -> Intent:
        return self.scores[1][0]

    @property
    def margin(self) -> float:
        """How far the best intent is ahead of the second (0 when there is only one)."""
        return self.scores[0][1] - self.scores[1][1] if len(self.scores) > 1 else 0.0

    @property
    def confident(self) -> bool:
        return self.margin >= CONFIDENT_MARGIN

    def score(self, intent: Intent) -> float:
        return dict(self.scores).get(intent, 0.0)

    def top(self, n: int) -> list[Intent]:
        return [intent for intent, _ in self.scores[:n]]


class ExampleMatrix:
    """The embedded examples: one row per example, its intent in ``labels``."""

    def __init__(self, labels: tuple[Intent, ...], matrix: Matrix) -> None:
        self.labels = labels
        self.matrix = matrix
        self.intents: tuple[Intent, ...] = tuple(dict.fromkeys(labels))
        names = np.array(labels)
        self.rows = {intent: np.flatnonzero(names == intent) for intent in self.intents}


class IntentRouter:
    """Scores messages against the embedded examples (thread-safe; holds no per-call state)."""

    def __init__(self, embedder: Embedder, examples: ExampleMatrix) -> None:
        self.embedder = embedder
        self.examples = examples

    @property
    def intents(self) -> tuple[Intent, ...]:
        return self.examples.intents

    def route(self, text: str) -> Routing:
        """The intents of ``text`` by score, best first (ties by the intents' file order)."""
        message = unicodedata.normalize("NFKC", text).strip()[-ROUTE_CHARS:]
        with SingleThreadScope():
            vector = self.embedder.embed_query(message or "?")
        similarities = self.examples.matrix @ vector
        scored: list[tuple[Intent, float]] = []
        for intent in self.examples.intents:
            nearest = np.sort(similarities[self.examples.rows[intent]])[::-1][:NEIGHBOURS]
            scored.append((intent, round(float(nearest.mean()), 6)))
        order = sorted(range(len(scored)), key=lambda i: (-scored[i][1], i))
        return Routing(scores=tuple(scored[i] for i in order), language=language(text))


_matrices: BuiltOnce[tuple[str, str], ExampleMatrix] = BuiltOnce(MAX_CACHED)


def embed_examples(
    embedder: Embedder, intents: IntentExamples, cache_dir: Path | None = None
) -> ExampleMatrix:
    """Embed every example (passage encoding), in file order (kept in ``cache_dir`` when given)."""
    matrix = cached_passages(embedder, [example.text for example in intents.examples], cache_dir)
    return ExampleMatrix(labels=tuple(example.intent for example in intents.examples), matrix=matrix)


def intent_router(
    embedder: Embedder, intents: IntentExamples | None, cache_dir: Path | None = None
) -> IntentRouter | None:
    """The router over ``intents`` (None when the knowledge has no examples), its example matrix
    embedded on first use (or read from ``cache_dir``, where an earlier process left them) and
    shared by every later call with the same embedder and examples."""
    if intents is None or not intents.examples:
        return None
    key = (embedder.name, intents.digest)
    examples = _matrices.get(key, lambda: embed_examples(embedder, intents, cache_dir))
    return IntentRouter(embedder, examples)
