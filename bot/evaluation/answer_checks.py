"""Evaluators of what an answer *says*: its verdict, the application status it gives, its language.

They read the answer's body only (:func:`body_text`): quotations (``>`` lines) and the trailing
source list are the documents' words, not the advisor's, so a verdict or a status found only
there does not count. Each evaluator fails an answer that states the opposite as well as the
expected verdict (「対象です」 and 「対象外です」 together pass neither way).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from bot.evaluation.dataset import Case, Turn, Verdict, WindowState
from bot.evaluation.evaluators import Check, EvalContext, normalise
from bot.models import Answer

_SOURCES = re.compile(
    r"^\s*(?:#{1,6}\s*)?(?:\*\*)?\s*(?:出典|参考資料|Sources?)\s*(?:\*\*)?\s*[:：]?\s*$", re.I
)
_RULE = re.compile(r"^\s{0,3}([-*_])(?:\s*\1){2,}\s*$")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s")
_MARKUP = re.compile(r"\*\*|__|`|^\s*[-*+•]\s+|^\s*\d{1,3}[.)]\s+")
_SENTENCE_END = re.compile(r"(?<=[。！？!?])|(?<=\.)\s")

# The words a verdict is stated with, first-sentence phrases for yes/no questions.
LEADS: Mapping[str, tuple[str, ...]] = {
    "yes": ("はい", "yes"),
    "no": ("いいえ", "no,", "no.", "no "),
    "depends": ("条件によります", "場合によります", "一概には", "it depends", "depends"),
}
NOT_STATED = (
    "記載がありません",
    "記載されていません",
    "資料では確認できません",
    "資料からは確認できません",
    "明記されていません",
    "not stated",
    "do not say",
    "does not say",
    "not specified",
    "don't say",
)
ELIGIBILITY: Mapping[str, tuple[str, ...]] = {
    "eligible": (
        "満たしています",
        "対象になります",
        "対象となります",
        "申請できます",
        "申請可能",
        "対象です",
        "eligible",
        "can apply",
        "qualif",
    ),
    "not_eligible": (
        "対象外",
        "満たしていない",
        "申請できません",
        "対象になりません",
        "対象となりません",
        "not eligible",
        "cannot apply",
        "can't apply",
        "ineligible",
        "does not qualify",
        "do not qualify",
        "not qualify",
    ),
    "needs_information": (
        "情報が必要",
        "確認させてください",
        "教えてください",
        "お伺い",
        "need more information",
        "need to know",
        "please tell",
        "could you tell",
    ),
}
# The eligibility verdict a direct はい／いいえ to 「対象になりますか？」 states.
ANSWERED: Mapping[str, Verdict] = {"yes": "eligible", "no": "not_eligible"}
STATUS: Mapping[str, tuple[str, ...]] = {
    "closed": (
        "受付終了",
        "終了しています",
        "終了しました",
        "締め切られ",
        "締切を過ぎ",
        "終了済",
        "closed",
        "has ended",
        "have ended",
        "ended on",
        "no longer accept",
    ),
    "open": (
        "受付中",
        "受け付けています",
        "現在申請できます",
        "募集中",
        "open now",
        "currently open",
        "is open",
        "are open",
        "accepting",
    ),
    "upcoming": (
        "開始前",
        "から受付",
        "受付開始",
        "受付が始まります",
        "opens on",
        "will open",
        "upcoming",
        "not yet open",
        "starts on",
    ),
}
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


def body_text(answer: str) -> str:
    """The advisor's own words: the answer without quotations and its trailing source list."""
    lines: list[str] = []
    for line in answer.splitlines():
        if _SOURCES.match(line):
            break
        if line.lstrip().startswith(">"):
            continue
        lines.append(line)
    while lines and (not lines[-1].strip() or _RULE.match(lines[-1])):
        lines.pop()
    return "\n".join(lines)


def lead(answer: str, sentences: int = 1) -> str:
    """The first ``sentences`` sentences of the body (headings and list markers skipped), lower case."""
    text: list[str] = []
    for line in body_text(answer).splitlines():
        if not line.strip() or _HEADING.match(line) or _RULE.match(line) or line.lstrip().startswith("|"):
            continue
        text.append(_MARKUP.sub("", line).strip())
        if len(text) >= 3:
            break
    joined = normalise(" ".join(text)).lower()
    parts = [p for p in _SENTENCE_END.split(joined) if p.strip()]
    return "".join(parts[:sentences]) if parts else joined


def _has(text: str, phrases: Sequence[str]) -> list[str]:
    return [p for p in phrases if normalise(p).lower() in text]


_NEGATED_AFTER = re.compile(r"^.{0,6}?(ではない|ではありません|じゃない|ではなく|ていません|ていない)")
_NEGATED_BEFORE = re.compile(r"\b(not|no longer|isn't|aren't|wasn't|never)\s+(\w+\s+)?$")


def _affirmed(text: str, phrases: Sequence[str]) -> list[str]:
    """The phrases that occur at least once not negated (「現在募集中の制度ではない」, «is not
    accepting» do not call anything open)."""
    found = []
    for phrase in phrases:
        needle = normalise(phrase).lower()
        for match in re.finditer(re.escape(needle), text):
            after, before = (
                text[match.end() : match.end() + 12],
                text[max(0, match.start() - 20) : match.start()],
            )
            if not _NEGATED_AFTER.search(after) and not _NEGATED_BEFORE.search(before):
                found.append(phrase)
                break
    return found


class VerdictCheck:
    """The answer states the expected verdict (and not another one) up front."""

    name = "verdict"

    def evaluate(self, case: Case, turn: Turn, answer: Answer, context: EvalContext) -> list[Check]:
        expected = turn.expect.verdict
        if expected is None:
            return []
        return [self.judge(expected, answer.answer)]

    def judge(self, expected: Verdict, text: str) -> Check:
        if expected in LEADS:
            first = lead(text)
            stated = [v for v, words in LEADS.items() if any(first.startswith(normalise(w)) for w in words)]
            passed = stated == [expected]
            return Check(
                name=self.name, passed=passed, reason=f"first sentence: 「{first[:80]}」 → {stated or '—'}"
            )
        if expected == "not_stated":
            found = _has(normalise(body_text(text)).lower(), NOT_STATED)
            return Check(
                name=self.name, passed=bool(found), reason=f"says the documents are silent: {found or '—'}"
            )
        opening = lead(text, sentences=3)
        stated = [v for v, words in ELIGIBILITY.items() if _has(opening, words)]
        first = lead(text)
        # 「対象になりますか？」 answered 「いいえ。」 / "No." first states the verdict directly
        direct = [ANSWERED[v] for v in ("yes", "no") if any(first.startswith(normalise(w)) for w in LEADS[v])]
        stated = direct + [v for v in stated if v not in direct]
        if "not_eligible" in stated and "eligible" in stated:
            stated.remove(
                "eligible"
            )  # 「対象外」 contains no 「対象です」, but 「対象です」-words can be in a negation
        passed = stated[:1] == [expected] and len(set(stated) - {"needs_information"} - {expected}) == 0
        return Check(name=self.name, passed=passed, reason=f"opening: 「{opening[:100]}」 → {stated or '—'}")


class StatusCheck:
    """The answer gives the expected application status; nothing closed is called open."""

    name = "status"

    def evaluate(self, case: Case, turn: Turn, answer: Answer, context: EvalContext) -> list[Check]:
        expected = turn.expect.status
        if not expected:
            return []
        return [self.judge(expected, answer.answer)]

    def judge(self, expected: Mapping[str, WindowState], text: str) -> Check:
        body = normalise(body_text(text)).lower()
        missing = sorted({state for state in expected.values() if not _has(body, STATUS[state])})
        claims_open = "open" not in expected.values() and _affirmed(body, STATUS["open"])
        reasons = [f"no {state} wording" for state in missing]
        if claims_open:
            reasons.append(f"calls something open: {claims_open}")
        return Check(name=self.name, passed=not reasons, reason="; ".join(reasons) or "states the status")


class LanguageCheck:
    """An English case is answered in English, a Japanese one in Japanese (the body's letters;
    document titles and quotations stay Japanese)."""

    name = "language"

    def evaluate(self, case: Case, turn: Turn, answer: Answer, context: EvalContext) -> list[Check]:
        return [self.judge(turn.expect.lang or case.lang, answer.answer)]

    def judge(self, lang: str, text: str) -> Check:
        body = body_text(text)
        cjk, latin = len(_CJK.findall(body)), len(_LATIN.findall(body))
        english = latin > cjk
        passed = english if lang == "en" else not english
        return Check(name=self.name, passed=passed, reason=f"{lang}: {cjk} kana/kanji, {latin} latin letters")
