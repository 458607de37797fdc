"""Yes/no questions answered from a programme's rulings (``rulings`` in knowledge/programmes/*.yaml).

A ruling is one question users ask (「郵送で申請できる？」) with the document's answer — yes, no,
depends, or not stated — and the passage that states it. A message is matched against the
rulings of the programme it is about by two signals:

* dense: the highest similarity of the message (e5 query encoding) to one of the ruling's
  ``asks`` (passage encoding) — the bundled multilingual embedder, so an English question
  finds a ruling whose asks are Japanese and the other way round;
* lexical: BM25 (Sudachi tokens) over each ruling's asks and statements, divided by the best
  ruling's score and weighted by :data:`LEXICAL_WEIGHT` — it separates rulings the small
  embedding model places close together (by post vs by e-mail, SME vs large-company costs).

The match is :attr:`RulingMatch.confident` when the best ruling leads the next by
:data:`CONFIDENT_MARGIN` and is BM25's best as well; otherwise the engine gives no verdict from
a ruling. Calibrated leave-one-out on the rulings' own asks (each ask matched against the rest
of its programme's rulings, 366 asks): the dense signal alone finds the right ruling for 47 %,
BM25 alone for 59 %, the sum (weight 0.1) for 62 %; requiring a 0.03 lead and agreement keeps
~55 % of the asks at ~80 % right — the misses are neighbouring questions (by post / by e-mail),
which is why the answer's heading names the question it answers. A real message carries more
words than one short ask, and every ask added to the data makes its question easier to find.

The asks' vectors and the BM25 indexes are built once per process for a given embedder and
rulings digest, then shared by every request; the vectors are kept on disk
(:mod:`bot.retrieval.vector_cache`), so only the first process after a change of the rulings
pays for embedding every phrasing.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot.agent.offline.router import language
from bot.knowledge.loader import KnowledgeBase
from bot.knowledge.models import Programme, Ruling
from bot.retrieval.embeddings import Embedder, Matrix
from bot.retrieval.lexical import JapaneseTokenizer, LexicalIndex
from bot.retrieval.search import SingleThreadScope
from bot.retrieval.vector_cache import BuiltOnce, cached_passages

# Conversational words a question may carry that no document needs to contain.
CONVERSATIONAL = frozenset(
    [
        "弊社",
        "当社",
        "御社",
        "貴社",
        "うち",
        "会社",
        "業務",
        "営業",
        "仕事",
        "自社",
        "私",
        "僕",
        "自分",
        "こと",
        "もの",
        "方",
        "場合",
        "話",
        "件",
        "感じ",
        "今",
        "今回",
        "全部",
        "本当",
        "大丈夫",
        "可能",
        "出来る",
        "良い",
        "行ける",
        "使える",
        "貰える",
        "受ける",
        "受けられる",
        "為る",
        "成る",
        "有る",
        "居る",
        "言う",
        "思う",
        "分かる",
        "知る",
        "聞く",
        "教える",
        "考える",
        "予定",
        "理解",
        "認識",
        "質問",
        "検討",
        "一緒",
        "普通",
        "基本",
        "結局",
        "実際",
        "必要",
        "駄目",
        "ok",
    ]
)
# Words nearly every question about a grant carries: sharing one does not make a ruling the answer.
GENERIC = frozenset(
    ["申請", "対象", "事業", "助成", "補助", "助成金", "補助金", "制度", "支援", "利用", "応募"]
)
ENGLISH_STOP = frozenset(
    [
        "this",
        "that",
        "these",
        "those",
        "there",
        "their",
        "they",
        "them",
        "what",
        "when",
        "where",
        "which",
        "with",
        "will",
        "would",
        "could",
        "should",
        "have",
        "from",
        "your",
        "yours",
        "about",
        "also",
        "into",
        "only",
        "some",
        "such",
        "than",
        "then",
        "does",
        "doing",
        "done",
        "being",
        "were",
        "been",
        "grant",
        "grants",
        "subsidy",
        "subsidies",
        "programme",
        "program",
        "scheme",
        "apply",
        "applying",
        "application",
        "eligible",
        "eligibility",
        "qualify",
        "qualifies",
        "qualified",
        "company",
        "companies",
        "business",
        "okay",
        "still",
        "just",
        "like",
        "want",
        "need",
        "open",
        "available",
        "accept",
        "accepted",
        "accepting",
    ]
)
_KANJI = re.compile(r"[一-龥々]")
_HIRAGANA = re.compile(r"[ぁ-ゖー]+")
LEXICAL_WEIGHT = 0.1
CONFIDENT_MARGIN = 0.03
LEXICAL_MODE = "A"
MATCH_CHARS = 160  # a longer message is matched on its end, where the question usually is
MAX_CACHED = 4


@dataclass(frozen=True)
class RulingMatch:
    """The ruling nearest a message, its score and its lead over the next ruling."""

    ruling: Ruling
    score: float
    margin: float
    lexical_agrees: bool  # the ruling is also BM25's best (and BM25 found something)
    unknown: tuple[str, ...] = ()  # the message's content words that neither the document nor a ruling uses
    specific: bool = True  # the message shares a content word (not the programme's name) with the ruling

    @property
    def confident(self) -> bool:
        return self.lexical_agrees and self.margin >= CONFIDENT_MARGIN and self.specific and not self.unknown


@dataclass(frozen=True)
class _ProgrammeRulings:
    rulings: tuple[Ruling, ...]
    asks: Matrix  # one row per ask
    owner: np.ndarray  # the ruling index of each row
    lexical: LexicalIndex
    vocabulary: frozenset[str]  # content words of the programme's document, names and rulings
    names: frozenset[str]  # content words of the programme's names
    words: tuple[frozenset[str], ...]  # each ruling's content words (asks and statement)


class RulingIndex:
    """Every programme's rulings, embedded and indexed (thread-safe; no per-call state)."""

    def __init__(self, embedder: Embedder, tables: Mapping[str, _ProgrammeRulings]) -> None:
        self.embedder = embedder
        self.tables = dict(tables)

    def match(self, programme_id: str, message: str) -> RulingMatch | None:
        """The best ruling of the programme for ``message`` (None: the programme has none)."""
        table = self.tables.get(programme_id)
        if table is None or not table.rulings:
            return None
        text = unicodedata.normalize("NFKC", message).strip()[-MATCH_CHARS:] or "?"
        with SingleThreadScope():
            vector = self.embedder.embed_query(text)
        similarities = table.asks @ vector
        dense = np.full(len(table.rulings), -1.0)
        np.maximum.at(dense, table.owner, similarities)
        lexical = table.lexical.scores(text.lower())
        best_lexical = float(lexical.max()) if lexical.size else 0.0
        scores = dense + (LEXICAL_WEIGHT * lexical / best_lexical if best_lexical > 0 else 0.0)
        order = np.argsort(-scores, kind="stable")
        first = int(order[0])
        margin = float(scores[first] - scores[order[1]]) if len(order) > 1 else 1.0
        agrees = best_lexical > 0 and int(np.argmax(lexical)) == first
        nouns = content_words(text, nouns_only=True)
        # A kanji word the documents never use (「中古」「下限」「満額」) is a question they do not
        # answer; katakana words are as often chatter (「アリ」「クリア」) and are not counted.
        unread = {w for w in nouns - table.vocabulary - CONVERSATIONAL - GENERIC if len(w) > 1}
        unknown = tuple(sorted(w for w in unread if _KANJI.search(w)))
        asked = english_words(text) if language(text) == "en" else nouns
        specific = bool((asked - table.names - GENERIC) & table.words[first])
        return RulingMatch(
            ruling=table.rulings[first],
            score=float(scores[first]),
            margin=round(margin, 6),
            lexical_agrees=agrees,
            unknown=unknown,
            specific=specific,
        )


_indexes: BuiltOnce[tuple[str, str], RulingIndex] = BuiltOnce(MAX_CACHED)
_tokenizer: list[JapaneseTokenizer] = []


def ruling_index(embedder: Embedder, knowledge: KnowledgeBase, cache_dir: Path | None = None) -> RulingIndex:
    """The index over the knowledge's rulings, built on first use and shared afterwards (the
    phrasings' vectors are kept in ``cache_dir`` for the next process)."""
    key = (embedder.name, knowledge.digest)  # computed once per knowledge generation
    return _indexes.get(key, lambda: _build(embedder, knowledge, cache_dir))


def content_words(text: str, nouns_only: bool = False) -> set[str]:
    """The nouns (and, unless ``nouns_only``, verbs and adjectives) of a Japanese text: Sudachi
    normalised forms in lower case. English words are not read (the documents are Japanese),
    nor nouns written in hiragana alone (often a misread colloquialism: 「もん」「こうじ」)."""
    words: set[str] = set()
    for morpheme in _morphemes(text):
        pos = morpheme.part_of_speech()
        noun = pos[0] == "名詞" and pos[1] in ("普通名詞", "固有名詞")
        if noun or (not nouns_only and pos[0] in ("動詞", "形容詞") and pos[1] == "一般"):
            form = str(morpheme.normalized_form()).lower()
            if not form.isascii() and not (noun and _HIRAGANA.fullmatch(str(morpheme.surface()))):
                words.add(form)
    return words


def english_words(text: str) -> set[str]:
    """The English content words of a text: lower case, four letters or more, not function words
    nor the words every grant question has (the Japanese side is :func:`content_words`)."""
    return {w for w in re.findall(r"[a-z][a-z\-]{3,}", text.lower()) if w not in ENGLISH_STOP}


def _morphemes(text: str) -> list[Any]:
    tokenizer = _sudachi()
    return [m for start in range(0, len(text), 4000) for m in tokenizer.tokenize(text[start : start + 4000])]


_local = threading.local()


def _sudachi() -> Any:
    tokenizer = getattr(_local, "tokenizer", None)
    if tokenizer is None:
        from sudachipy import Dictionary, SplitMode

        tokenizer = Dictionary(dict="core").tokenizer(mode=SplitMode.A)
        _local.tokenizer = tokenizer
    return tokenizer


def _document(knowledge: KnowledgeBase, pid: str) -> str:
    doc = knowledge.sources.get(pid)
    return doc.body if doc else ""


def _vocabulary(knowledge: KnowledgeBase, programme: Programme) -> frozenset[str]:
    texts = [
        _document(knowledge, programme.id),
        programme.name.value,
        *programme.aliases,
        *programme.vocabulary.topics,
        *(text for r in programme.rulings for text in (*r.asks, r.statement)),
    ]
    return frozenset(content_words("\n".join(texts)))


def _build(embedder: Embedder, knowledge: KnowledgeBase, cache_dir: Path | None) -> RulingIndex:
    programmes = knowledge.programmes
    if not _tokenizer:
        _tokenizer.append(JapaneseTokenizer(LEXICAL_MODE))
    tokenizer = _tokenizer[0]
    rows = [(pid, i, ask) for pid, p in programmes.items() for i, r in enumerate(p.rulings) for ask in r.asks]
    matrix = cached_passages(embedder, [ask for _, _, ask in rows], cache_dir)
    tables: dict[str, _ProgrammeRulings] = {}
    for pid, programme in programmes.items():
        if not programme.rulings:
            continue
        picked = [n for n, row in enumerate(rows) if row[0] == pid]
        documents = [
            " ".join([*r.asks, r.statement, r.statement_en or ""]).lower() for r in programme.rulings
        ]
        names = [programme.name.value, programme.short_name, *programme.aliases]
        if programme.english is not None and programme.english.name:
            names.append(programme.english.name)
        tables[pid] = _ProgrammeRulings(
            rulings=tuple(programme.rulings),
            asks=matrix[picked],
            owner=np.array([rows[n][1] for n in picked]),
            lexical=LexicalIndex(tokenizer, [tokenizer.tokenize(d) for d in documents], 0.0),
            vocabulary=_vocabulary(knowledge, programme),
            names=frozenset(content_words(" ".join(names)) | english_words(" ".join(names))),
            words=tuple(
                frozenset(content_words(" ".join([*r.asks, r.statement])))
                | english_words(" ".join([*r.asks, r.statement_en or ""]))
                for r in programme.rulings
            ),
        )
    return RulingIndex(embedder, tables)
