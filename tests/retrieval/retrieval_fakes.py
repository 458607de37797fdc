"""Small hand-written stand-ins for the retrieval tests (no mock.patch)."""

from __future__ import annotations

import hashlib
import itertools
import textwrap
from pathlib import Path

import numpy as np

from bot.retrieval.embeddings import Embedder, Matrix, Vector, normalize_rows


class HashEmbedder:
    """Deterministic character-bigram hashing embedder: fast, offline, good enough for plumbing."""

    def __init__(self, name: str = "fake-hash", dim: int = 64) -> None:
        self._name, self._dim = name, dim

    @property
    def name(self) -> str:
        return self._name

    @property
    def dim(self) -> int:
        return self._dim

    def _vector(self, text: str) -> Vector:
        vector = np.zeros(self._dim, dtype=np.float32)
        for a, b in itertools.pairwise(text):
            digest = hashlib.blake2b(f"{a}{b}".encode(), digest_size=4).digest()
            vector[int.from_bytes(digest, "little") % self._dim] += 1.0
        vector[0] += 1e-3  # never all-zero
        return vector

    def embed_query(self, text: str) -> Vector:
        return normalize_rows(self._vector(text))

    def embed_passages(self, texts: list[str]) -> Matrix:
        return normalize_rows(
            np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, self._dim))
        )


class CountingEmbedder:
    """Wraps an embedder and counts the passages it embeds."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.passages: list[str] = []

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dim(self) -> int:
        return self.inner.dim

    def embed_query(self, text: str) -> Vector:
        return self.inner.embed_query(text)

    def embed_passages(self, texts: list[str]) -> Matrix:
        self.passages.extend(texts)
        return self.inner.embed_passages(texts)


class FailingEmbedder(CountingEmbedder):
    """Embeds normally, then raises on call number ``fail_on_call`` (a crash mid-build)."""

    def __init__(self, inner: Embedder, fail_on_call: int) -> None:
        super().__init__(inner)
        self.fail_on_call = fail_on_call
        self.calls = 0

    def embed_passages(self, texts: list[str]) -> Matrix:
        self.calls += 1
        if self.calls >= self.fail_on_call:
            raise RuntimeError("embedding backend crashed")
        return super().embed_passages(texts)


ZERO_EMISSION_BODY = """\
# ゼロエミッション化に向けた省エネ設備導入・運用改善支援事業

受付中

# 事業概要

東京都は、中小企業等が行う省エネ設備の導入や運用改善の取組を支援します。

## 助成対象者

- 中小企業等※1
- 上記と共同で事業を実施するリース事業者又はESCO事業者

## 助成対象経費

助成事業の実施に要する以下の経費

設計費、設備費、工事費

## 助成額等

| 申請区分 | 助成率 | 助成上限額 |
| --- | --- | --- |
| 年間CO2排出量を更新前と比較して28t-CO2以上削減可能な省エネ設備の導入又は運用改善を行う。 | 3/4 | 4,500万円 |
| 事前に省エネ診断を受診し、3t-CO2又は30%以上削減可能な省エネ設備の導入を行う。 | 2/3 | 2,500万円 |
| 自ら計画を作成し、3t-CO2又は30%以上削減可能な省エネ設備の導入を行う。 | 2/3 | 1,000万円 |

※交付申請後に申請区分を変更することはできません。

# 受付期間

第5回申請 令和8年1月19日(月)~ 令和8年1月30日(金)まで。予算を超過した場合は抽選を行います。

# お問い合わせ

クール・ネット東京 助成金申請相談窓口 電話 03-0000-0000（平日9時から17時）
"""

CREDIT_BODY = """\
# カーボンクレジット活用促進事業

企業が脱炭素化を進めるには、省エネ設備の導入等により自社のGHG（温室効果ガス）の排出量を削減する取組に加え、カーボンクレジットの活用も効果的です。

# 事業概要

## 助成対象

東京都カーボンクレジットマーケットで購入したクレジットを活用した製品・サービスのPR費用を助成します。

## 助成率

助成率は2分の1、助成限度額は100万円です。

## 申請期間

令和7年4月23日から令和7年12月26日まで。
"""

SOLAR_BODY = """\
# 太陽光発電設備の導入補助

## 補助内容

事業所の屋根に太陽光発電設備を設置する中小企業に、設置費用の一部を補助します。補助率は3分の1です。

## 問合せ先

環境局 再エネ推進課
"""

FIXTURE_SOURCES: dict[str, tuple[str, str]] = {
    "tokyo-zero-emission-energy-saving": (
        "ゼロエミッション化に向けた省エネ設備導入・運用改善支援事業",
        ZERO_EMISSION_BODY,
    ),
    "tokyo-carbon-credit-promotion": ("カーボンクレジット活用促進事業", CREDIT_BODY),
    "fixture-solar": ("太陽光発電設備の導入補助", SOLAR_BODY),
}


def write_source(knowledge_dir: Path, source_id: str, title: str, body: str) -> Path:
    """Write ``sources/<id>.md`` with valid front matter."""
    path = knowledge_dir / "sources" / f"{source_id}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    front = textwrap.dedent(
        f"""\
        ---
        id: {source_id}
        title: {title}
        publisher: テスト発行者
        url: https://example.test/{source_id}
        published: "2025-04-01"
        retrieved: "2026-01-10"
        programmes: [{source_id}]
        ---
        """
    )
    path.write_text(front + "\n" + body, encoding="utf-8")
    (knowledge_dir / "programmes").mkdir(exist_ok=True)
    return path


def write_fixture_knowledge(knowledge_dir: Path) -> Path:
    for source_id, (title, body) in FIXTURE_SOURCES.items():
        write_source(knowledge_dir, source_id, title, body)
    return knowledge_dir
