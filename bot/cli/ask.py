"""``advisor ask`` (one turn) and ``advisor chat`` (interactive): the advisor in a terminal."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any, TextIO

from bot.errors import AdvisorError
from bot.tools.english import date as english_date

if TYPE_CHECKING:
    from bot.deps import Deps
    from bot.models import Answer

EXIT_WORDS = {"exit", "quit", "終了", "おわり", ":q"}


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Register ``ask`` and ``chat``."""
    ask = subparsers.add_parser("ask", help="アドバイザーに質問（1ターン） (ask the advisor one question)")
    ask.add_argument("message", help="質問 (the question, in Japanese or English)")
    _add_common(ask)
    ask.add_argument("--json", action="store_true", help="Answer を JSON で出力 (print the Answer as JSON)")
    ask.set_defaults(handler=run_ask)

    chat = subparsers.add_parser("chat", help="対話モード (interactive chat)")
    _add_common(chat)
    chat.set_defaults(handler=run_chat)


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as-of", dest="as_of", help="基準日 YYYY-MM-DD（省略時は東京の今日）")
    parser.add_argument("--session", dest="session", help="続ける会話のID (session id to continue)")


def run_ask(args: argparse.Namespace) -> int:
    from bot.advisor import answer
    from bot.cli.tools import resolve_as_of
    from bot.deps import build_deps

    as_of, _ = resolve_as_of(args.as_of)
    deps = build_deps()
    deps.check_knowledge()
    result = answer(args.message, session_id=args.session, as_of=as_of, deps=deps, channel="cli")
    if args.json:
        print(result.model_dump_json(indent=2))
    else:
        print(render_answer(result))
        if result.lang == "en":
            print(f"\n(conversation {result.session_id} — to continue: --session {result.session_id})")
        else:
            print(f"\n（会話ID: {result.session_id} — 続けて質問するには --session {result.session_id}）")
    return 0


def run_chat(args: argparse.Namespace, stdin: TextIO | None = None) -> int:
    from bot.cli.tools import resolve_as_of
    from bot.deps import build_deps

    as_of, _ = resolve_as_of(args.as_of)
    deps = build_deps()
    deps.check_knowledge()
    source = stdin or sys.stdin
    print("脱炭素補助金アドバイザーです。ご質問をどうぞ（終了: exit）。", flush=True)
    session_id = args.session
    while True:
        print("> ", end="", flush=True)
        line = source.readline()
        if not line or line.strip() in EXIT_WORDS:
            print("ご利用ありがとうございました。")
            return 0
        if not line.strip():
            continue
        session_id = chat_turn(line, session_id, as_of, deps)


def chat_turn(line: str, session_id: str | None, as_of: Any, deps: Deps) -> str | None:
    """One interactive turn; errors are shown and the conversation goes on."""
    from bot.advisor import answer

    try:
        result = answer(line, session_id=session_id, as_of=as_of, deps=deps, channel="cli")
    except AdvisorError as exc:
        print(f"エラー: {exc.message_ja}", flush=True)
        return session_id
    for chunk in render_answer(result).splitlines(keepends=True):
        print(chunk, end="", flush=True)
    print(flush=True)
    return result.session_id


def render_answer(result: Answer) -> str:
    """The answer text, then the follow-up questions and the numbered sources."""
    en = result.lang == "en"  # an answer in English gets English labels
    asking, sources = ("Let me check:", "Sources") if en else ("確認させてください:", "出典")
    parts = [result.answer.rstrip()]
    if result.follow_up and not all(q in result.answer for q in result.follow_up):
        parts.append(f"{asking}\n" + "\n".join(f"- {q}" for q in result.follow_up))
    if result.citations and sources not in result.answer:
        lines = [f"[{i}] {c.title} — {c.section} {c.url}".rstrip() for i, c in enumerate(result.citations, 1)]
        parts.append(f"{sources}:\n" + "\n".join(lines))
    if en:
        parts.append(f"(as of {english_date(result.as_of)} · {result.mode})")
    else:
        parts.append(
            f"（{result.as_of.year}年{result.as_of.month}月{result.as_of.day}日時点・{result.mode}）"
        )
    return "\n\n".join(parts)
