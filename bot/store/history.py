"""Trimming a conversation's history to a character budget."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session as OrmSession

from bot.store.schema import MessageRow

TRUNCATION_MARK = "…"


def truncate_text(content: str, budget: int) -> str:
    """``content`` cut to ``budget`` characters, the last one being "…"."""
    if len(content) <= budget:
        return content
    if budget <= len(TRUNCATION_MARK):
        return content[:budget]
    return content[: budget - len(TRUNCATION_MARK)] + TRUNCATION_MARK


def seq_window_within_budget(orm: OrmSession, session_id: str, budget: int) -> tuple[int, int] | None:
    """First and last ``seq`` of the newest messages whose total length fits ``budget`` (at least one).

    The upper bound keeps a message appended meanwhile (PostgreSQL reads at READ COMMITTED) out.
    """
    query = (
        select(MessageRow.seq, func.length(MessageRow.content))
        .where(MessageRow.session_id == session_id)
        .order_by(MessageRow.seq.desc())
    )
    window: tuple[int, int] | None = None
    total = 0
    for seq, length in orm.execute(query):
        if window is not None and total + length > budget:
            break
        total += length
        window = (seq, seq if window is None else window[1])
    return window
