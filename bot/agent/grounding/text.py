"""Where a figure stands in a text, and what the words around it say it is.

A text is cut into *units*: sentences (at 。！？ and line ends) and, in a Markdown table, cells —
a cell is read after its row's first cell and its column's header, so 「| 区分1 | 3/4 | 4,500万円 |」
under 「| 申請区分 | 助成率 | 上限額 |」 reads as 「区分1 上限額 4,500万円」.

In a unit every figure gets a *field* from the nearest words of its kind (「上限」 → cap,
「助成率」 → rate, 「受け取れ」 → amount, 「まで」 → deadline …): first a word before it in the same
clause, then one after it (「6,000万円が受け取れます」, 「4,500万円（上限額）」), then one before it
across 、 or （, then the field of the figure it is listed after (「中小企業が240万円、大企業が400万円」).
A yen figure right after 「=」 is a *subtotal* (cost × rate before the cap).

The same reading is applied to the answer (claims) and to evidence texts (tool-result strings,
cited passages), so a sentence copied from a tool result reads the same on both sides.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from bot.tools.figures import Figure, FigureKind, extract_figures

GROUPS: dict[FigureKind, str] = {
    "yen": "money",
    "rate": "share",
    "percent": "share",
    "date": "calendar",
    "year_month": "calendar",
    "month_day": "calendar",
    "month": "calendar",
    "year": "calendar",
    "fiscal_year": "calendar",
}
# field words by group; a field ending in "!" is definite (facts may veto the figure). The
# matcher tries longer words first: 助成上限額 is a cap, not 助成 + 上限額; 助成率 is not 助成.
_WORDS: tuple[tuple[str, dict[str, str]], ...] = (
    ("下限限度額 下限額 下限", {"money": "floor"}),
    ("助成上限額 補助上限額 上限金額 上限額 助成上限 補助上限 限度額 上限 限度 最大 最高", {"money": "cap!"}),
    (
        "補助金所要額 交付決定額 助成金額 補助金額 助成額 補助額 交付額 支給額 受給額 所要額",
        {"money": "amount"},
    ),
    ("受け取 受取 もらえ もらう もらい 貰 支給 給付 交付され 助成され 補助され", {"money": "amount"}),
    ("助成金 補助金 助成 補助 が出ます が出る", {"money": "amount"}),
    (
        "助成対象経費 補助対象経費 対象経費 総事業費 差引額 経費 事業費 費用 料金 代金 見積 支出",
        {"money": "cost"},
    ),
    (
        "助成対象 補助対象 寄付金 寄附金 収入 自己負担 設備費 工事費 設計費 上乗せ 消費税 手数料",
        {"money": "cost"},
    ),
    ("予算 事業規模", {"money": "budget"}),
    ("助成率 補助率 助成割合 補助割合 交付率", {"share": "rate!"}),
    ("割合", {"share": "rate"}),
    ("削減率 削減 比率", {"share": "percentage"}),
    ("締め切り 締切 〆切 提出期限 最終提出期限 期限 期日 必着 消印 終了 最終", {"calendar": "deadline"}),
    ("まで 迄", {"calendar": "deadline", "money": "cap"}),
    ("受付開始 開始 以降 から より ~ 〜 ～", {"calendar": "start"}),
)
_WORD_FIELDS = {word: fields for words, fields in _WORDS for word in words.split()}
_WORD_RE = re.compile("|".join(re.escape(w) for w in sorted(_WORD_FIELDS, key=len, reverse=True)))
HARD = set("→⇒=＝×|｜")
SOFT = set("、，,;；:：()（）「」『』[]［］・")
_POSTPOSITION = re.compile(r"から|まで|迄|より|以降|[~〜～]|必着|消印")
_CLOCK_GAP = re.compile(r"\s*(?:[(（][月火水木金土日][)）])?\s*(?:\d{1,2}時(?:\d{1,2}分)?)?\s*")
_LIST_SEPARATOR = re.compile(r"[、，,・]|と|や|及び|および|又は|または")
MAY_HAVE_FIGURE = re.compile(
    r"[0-9０-９]|[〇零一二三四五六七八九十百千万億兆]{1,8}(?:円|%|％|割|分の|パーセント|トン)|全額|満額|半額"
)
_CATEGORY_LABEL = re.compile(r"区分\s*([0-9０-９]+)")
_SENTENCE_END = re.compile(r"[。！？!?]|\n")
_TABLE_RULE = re.compile(r"^\|?\s*:?-{2,}")
INSTRUCTION = re.compile(
    r"と(?:回答|返答|答え|応答|説明|案内|伝え|言って|記載|出力|表示|記述)"
    r"(?:し|す|せよ|しろ|なさい|てください|ください|ること|るように)"
    r"|(?:指示|命令|プロンプト)を(?:無視|忘れ)|システムプロンプト"
    r"|ignore (?:all |the )?(?:previous|above|prior)"
    r"|(?:AI|アシスタント|ボット|チャットボット)(?:は|へ|に対して)"
)


@dataclass(frozen=True)
class Unit:
    """A sentence or table cell: ``prefix`` (row label and header, for a cell) then ``body``."""

    prefix: str
    body: str

    @property
    def text(self) -> str:
        return f"{self.prefix} {self.body}" if self.prefix else self.body


@dataclass(frozen=True)
class Word:
    start: int
    end: int
    fields: dict[str, str]


@dataclass(frozen=True)
class Placed:
    """A figure read in its unit: its field, the category named for it, and its unit."""

    figure: Figure  # span within ``unit.text``
    field: str | None
    strong: bool  # the field word is a definite one (助成率, 上限): facts can veto the figure
    category: str | None  # 区分N → "N", or a category name as written
    round: int | None  # 第N回 named for a date: the application round it belongs to
    unit: Unit
    instruction: bool  # the unit tells a reader what to answer: its figures are not facts


def units(text: str) -> list[Unit]:
    """The sentences and table cells of ``text``, in order."""
    found: list[Unit] = []
    header: list[str] | None = None
    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped.startswith("|"):
            header = None
            found += [Unit("", part) for part in _SENTENCE_END.split(line) if part.strip()]
            continue
        if _TABLE_RULE.match(stripped):
            continue
        cells = [cell.strip() for cell in stripped.strip("|").split("|")]
        if header is None:
            header = cells
            found += [Unit("", cell) for cell in cells if cell]
            continue
        label = cells[0]
        found.append(Unit(header[0] if header else "", label))
        for index, cell in enumerate(cells[1:], start=1):
            column = header[index] if index < len(header) else ""
            found.append(Unit(f"{label} {column}".strip(), cell))
    return found


@functools.lru_cache(maxsize=8192)
def analyse(text: str, category_names: frozenset[str] = frozenset()) -> tuple[Placed, ...]:
    """Every figure of ``text`` placed in its unit (cached: tool results and passages recur)."""
    placed: list[Placed] = []
    for unit in units(text):
        placed.extend(place_unit(unit, category_names))
    return tuple(placed)


@functools.lru_cache(maxsize=16384)
def place_unit(unit: Unit, category_names: frozenset[str]) -> tuple[Placed, ...]:
    """The figures of one unit's body, each with its field and category (cached)."""
    if not MAY_HAVE_FIGURE.search(unit.body):
        return ()
    full = unit.text
    offset = len(full) - len(unit.body)
    figures = extract_figures(full)
    own = [f for f in figures if f.start >= offset]
    if not own:
        return ()
    words = [w for w in _words(full) if not any(w.start < f.end and f.start < w.end for f in figures)]
    mentions = category_mentions(full, category_names)
    rounds = [(f.start, f.end, str(f.value)) for f in figures if f.kind == "round"]
    instruction = INSTRUCTION.search(full) is not None
    placed: list[Placed] = []
    fields: dict[int, tuple[str | None, bool]] = {}
    for figure in figures:
        group = GROUPS.get(figure.kind)
        field, strong = _field(full, figure, group, words, figures, fields) if group else (None, False)
        fields[figure.start] = (field, strong)
        if figure.start >= offset:
            same = [
                f
                for f in figures
                if f is not figure and GROUPS.get(f.kind, f.kind) == GROUPS.get(figure.kind, figure.kind)
            ]
            category = nearest_mention(full, figure, mentions, same)
            dated = GROUPS.get(figure.kind) == "calendar"
            round_ = nearest_mention(full, figure, rounds, same) if dated else None
            placed.append(
                Placed(figure, field, strong, category, int(round_) if round_ else None, unit, instruction)
            )
    return tuple(placed)


def _words(text: str) -> list[Word]:
    found: list[Word] = []
    for match in _WORD_RE.finditer(text):
        fields = _WORD_FIELDS[match[0]]
        found.append(Word(match.start(), match.end(), fields))
    return found


def _field(
    text: str,
    figure: Figure,
    group: str,
    words: list[Word],
    figures: list[Figure],
    known: dict[int, tuple[str | None, bool]],
) -> tuple[str | None, bool]:
    if group == "money" and text[: figure.start].rstrip().endswith(("=", "＝")):
        return "subtotal", False
    same = [f for f in figures if f is not figure and GROUPS.get(f.kind) == group]
    mine = [w for w in words if group in w.fields]

    def between(lo: int, hi: int, stops: set[str]) -> bool:
        """Nothing separates lo..hi: no stop character and no other figure of the group."""
        gap = text[lo:hi]
        return not any(c in stops for c in gap) and not any(lo <= f.start < hi for f in same)

    before = [w for w in mine if w.end <= figure.start and not _follows(text, w, same)]
    after = [w for w in mine if w.start >= figure.end]
    for word in reversed(before):
        if between(word.end, figure.start, HARD | SOFT):
            return _pick(word, group)
        break
    if after:
        word = after[0]
        gap = text[figure.end : word.start]
        opened = gap.lstrip().startswith(("（", "("))
        inner = gap.lstrip()[1:] if opened else gap
        plain = not any(c in HARD | SOFT for c in inner) or _CLOCK_GAP.fullmatch(gap) is not None
        if between(figure.end, word.start, set()) and plain:
            return _pick(word, group)
    if before and between(before[-1].end, figure.start, HARD):
        return _pick(before[-1], group)
    previous = [f for f in same if f.end <= figure.start and f.start in known]
    if previous:
        last = previous[-1]
        gap = text[last.end : figure.start]
        listed = _LIST_SEPARATOR.search(gap) is not None and not any(c in HARD for c in gap)
        if listed and not any(last.end <= w.start < figure.start for w in mine):
            return known[last.start]
    return None, False


def _follows(text: str, word: Word, figures: list[Figure]) -> bool:
    """A postposition right after another figure (「6月16日から」, 「9時まで」) belongs to that figure."""
    if not _POSTPOSITION.fullmatch(text[word.start : word.end]):
        return False
    return any(f.end <= word.start and _CLOCK_GAP.fullmatch(text[f.end : word.start]) for f in figures)


def _pick(word: Word, group: str) -> tuple[str, bool]:
    field = word.fields[group]
    return field.rstrip("!"), field.endswith("!")


def category_mentions(text: str, names: frozenset[str]) -> list[tuple[int, int, str]]:
    """Categories named in ``text``: 「区分3」 → "3"; a name of ``names`` → the name (longest first)."""
    found = [(m.start(), m.end(), str(int(m[1]))) for m in _CATEGORY_LABEL.finditer(text)]
    for name in sorted(names, key=len, reverse=True):
        for match in re.finditer(re.escape(name), text):
            if not any(s < match.end() and match.start() < e for s, e, _ in found):
                found.append((match.start(), match.end(), name))
    return sorted(found)


def nearest_mention(
    text: str, figure: Figure, mentions: list[tuple[int, int, str]], same: list[Figure]
) -> str | None:
    """The mention in an immediate parenthetical after the figure, else the nearest one before it
    — unless a list separates them from another figure of the same kind in between (「中小企業で
    200万円、それ以外で100万円」: 中小企業 is the first amount's)."""
    rest = text[figure.end :]
    opened = rest.lstrip()
    if opened.startswith(("（", "(")):
        close = min((i for i in (opened.find("）"), opened.find(")")) if i > 0), default=-1)
        lo = figure.end + (len(rest) - len(opened))
        inside = [m for m in mentions if lo <= m[0] and (close < 0 or m[1] <= lo + close)]
        if inside:
            return inside[0][2]
    before = [m for m in mentions if m[1] <= figure.start]
    listed = [f for f in same if before and before[-1][1] <= f.start < figure.start]
    if not before or any(_LIST_SEPARATOR.search(text[f.end : figure.start]) for f in listed):
        return None
    return before[-1][2]


def is_negated(text: str, figure: Figure) -> bool:
    """「6,000万円ではなく」, 「6,000万円は受け取れません」: the figure is denied, not stated."""
    rest = text[figure.end :]
    clause = re.split(r"[。、，,（(\n]", rest, maxsplit=1)[0]
    if re.match(r"\s*(?:円)?(?:では|じゃ)(?:なく|ない|ありません)", rest):
        return True
    return re.search(r"(?:ません|ない|(?<!は)ず)(?:$|[。．])", clause) is not None


def is_upper_bound(text: str, figure: Figure) -> bool:
    """「千円未満の端数」, 「4,500万円以下」: the figure bounds the amount from above."""
    return text[figure.end :].lstrip().startswith(("以下", "未満", "以内"))


CONDITIONS_NOT_MET = re.compile(
    r"満たし(?:て(?:い)?(?:ない|ません|おらず)|ません)|満たさ(?:ない|ず)|満たせ(?:ない|ません)"
    r"|申請(?:でき|し)(?:ない|ません)|対象外(?!の?(?:経費|費用))|要件未達"
)
