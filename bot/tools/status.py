"""受付状況 — a programme's application windows and deadlines as of an explicit date.

``as_of`` is always a parameter (this module never asks the clock); ``now`` (optional) decides
the opening and closing days against the window's start and end times (e.g. 9時 / 17時必着).
Dates are written in the Gregorian calendar (2026年1月19日); fiscal years as the documents
write them (令和7年度).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict

from bot.knowledge.models import Deadline, Programme, SourceRef, Window

WindowState = Literal["open", "upcoming", "closed"]
DeadlineState = Literal["upcoming", "passed"]

SELECTION_JA = {
    "lottery": "抽選（先着順ではありません）",
    "first_come": "先着順",
    "review": "審査",
    "budget_first_come": "予算額に達し次第受付終了",
}
KIND_JA = {"application": "受付", "submission": "提出受付", "proposal": "公募"}
NEXT_YEAR_NOTE = "次年度の募集要項は内容が変わる可能性があります。"


class WindowStatus(BaseModel):
    """One window's state on the given date, with a Japanese sentence."""

    model_config = ConfigDict(frozen=True)

    id: str
    label: str
    name: str
    fiscal_year: str
    round: int | None
    kind: str
    start: dt.date
    end: dt.date
    start_time: dt.time | None
    end_time: dt.time | None
    must_arrive: bool
    state: WindowState
    days_until_start: int | None = None
    days_left: int | None = None
    days_since_end: int | None = None
    selection: str
    selection_ja: str | None
    selection_note: str | None
    sentence: str
    source: SourceRef


class DeadlineStatus(BaseModel):
    """One deadline: upcoming (including today) or passed, with the days."""

    model_config = ConfigDict(frozen=True)

    id: str
    label: str
    kind: str
    date: dt.date
    state: DeadlineState
    days_until: int | None = None
    days_since: int | None = None
    windows: list[str]
    note: str | None
    sentence: str
    source: SourceRef


class NextDate(BaseModel):
    """The next relevant date: a window opening or closing, or a deadline."""

    model_config = ConfigDict(frozen=True)

    date: dt.date
    kind: Literal["window_start", "window_end", "deadline"]
    label: str
    days_until: int


class StatusResult(BaseModel):
    """Every window and deadline of a programme on ``as_of``, and a summary sentence."""

    model_config = ConfigDict(frozen=True)

    programme_id: str
    programme_name: str
    as_of: dt.date
    now: dt.time | None
    windows: list[WindowStatus]
    deadlines: list[DeadlineStatus]
    next_date: NextDate | None
    closed_fiscal_years: list[str]
    summary: str


def application_status(programme: Programme, as_of: dt.date, now: dt.time | None = None) -> StatusResult:
    """受付期間・期限の状況（受付中／開始前／終了、残り日数）を指定日時点で示す。

    Application status on a given date: each window open / upcoming / closed with the days left,
    until the start or since the end, its fiscal year, round and selection method (抽選 or
    先着順); each deadline upcoming or passed; the next relevant date; a Japanese summary.
    """
    names = _window_names(programme.windows)
    windows = [_window_status(w, names[w.id], as_of, now) for w in programme.windows]
    deadlines = [_deadline_status(d, as_of) for d in programme.deadlines]
    closed_years = _closed_fiscal_years(windows)
    return StatusResult(
        programme_id=programme.id,
        programme_name=programme.name.value,
        as_of=as_of,
        now=now,
        windows=windows,
        deadlines=deadlines,
        next_date=_next_date(windows, deadlines, as_of),
        closed_fiscal_years=closed_years,
        summary=_summary(windows, deadlines, closed_years),
    )


# --- windows -------------------------------------------------------------------------------


def window_state(window: Window, as_of: dt.date, now: dt.time | None = None) -> WindowState:
    """open / upcoming / closed; on the first and last day ``now`` is compared with the times."""
    if as_of < window.start or (as_of == window.start and _earlier(now, window.start_time)):
        return "upcoming"
    if as_of > window.end or (as_of == window.end and _earlier(window.end_time, now)):
        return "closed"
    return "open"


def _earlier(first: dt.time | None, second: dt.time | None) -> bool:
    return first is not None and second is not None and first < second


def _window_names(windows: Sequence[Window]) -> dict[str, str]:
    """「令和7年度 第5回」; the label is added when a fiscal year has windows without rounds."""
    per_year: dict[str, int] = {}
    for window in windows:
        per_year[window.fiscal_year] = per_year.get(window.fiscal_year, 0) + 1
    names: dict[str, str] = {}
    for window in windows:
        if window.round is not None:
            names[window.id] = f"{window.fiscal_year} 第{window.round}回"
        elif per_year[window.fiscal_year] > 1:
            names[window.id] = f"{window.fiscal_year} {window.label}"
        else:
            names[window.id] = window.fiscal_year
    return names


def _window_status(window: Window, name: str, as_of: dt.date, now: dt.time | None) -> WindowStatus:
    state = window_state(window, as_of, now)
    selection_ja = SELECTION_JA.get(window.selection)
    days = {
        "upcoming": {"days_until_start": (window.start - as_of).days},
        "open": {"days_left": (window.end - as_of).days},
        "closed": {"days_since_end": (as_of - window.end).days},
    }[state]
    sentence = _window_sentence(window, name, state, next(iter(days.values())))
    if state != "closed" and (window.selection_note or selection_ja):
        sentence += _selection_sentence(window.selection_note, selection_ja)
    return WindowStatus(
        id=window.id,
        label=window.label,
        name=name,
        fiscal_year=window.fiscal_year,
        round=window.round,
        kind=window.kind,
        start=window.start,
        end=window.end,
        start_time=window.start_time,
        end_time=window.end_time,
        must_arrive=window.must_arrive,
        state=state,
        selection=window.selection,
        selection_ja=selection_ja,
        selection_note=window.selection_note,
        sentence=sentence,
        source=window.source,
        **days,
    )


def _selection_sentence(note: str | None, selection_ja: str | None) -> str:
    text = note if note else f"選考方法: {selection_ja}"
    return text if text.endswith("。") else f"{text}。"


def _window_sentence(window: Window, name: str, state: WindowState, days: int) -> str:
    noun = KIND_JA[window.kind]
    closing = f"{format_time(window.end_time)}{'必着' if window.must_arrive else 'まで'}"
    if state == "upcoming" and days == 0:
        return f"{name}の{noun}は本日{format_time(window.start_time)}から始まります（{span_ja(window)}）。"
    if state == "upcoming":
        return f"{name}の{noun}は{span_ja(window)}です（あと{days:,}日で開始）。"
    if state == "open" and days == 0:
        return f"{name}の{noun}は本日{closing}です。"
    if state == "open":
        return f"{name}は{noun}中です（{span_ja(window)}、締切まであと{days:,}日）。"
    when = "本日" if days == 0 else f"{days:,}日前"
    return (
        f"{name}の{noun}は{format_date(window.end)}{format_time(window.end_time)}で終了しました（{when}）。"
    )


def format_date(day: dt.date, with_year: bool = True) -> str:
    """2026年1月19日 (or 1月19日)."""
    month_day = f"{day.month}月{day.day}日"
    return f"{day.year}年{month_day}" if with_year else month_day


def format_time(moment: dt.time | None) -> str:
    """9時, 17時, 9時30分; nothing when the document gives no time."""
    if moment is None:
        return ""
    return f"{moment.hour}時{moment.minute}分" if moment.minute else f"{moment.hour}時"


def span_ja(window: Window) -> str:
    """「2026年1月19日9時から1月30日17時必着」 (the end's year only when it differs)."""
    start = f"{format_date(window.start)}{format_time(window.start_time)}"
    end = format_date(window.end, with_year=window.end.year != window.start.year)
    closing = "必着" if window.must_arrive else "まで"
    return f"{start}から{end}{format_time(window.end_time)}{closing}"


def _closed_fiscal_years(windows: Sequence[WindowStatus]) -> list[str]:
    years: dict[str, bool] = {}
    for window in windows:
        years[window.fiscal_year] = years.get(window.fiscal_year, True) and window.state == "closed"
    return [year for year, closed in years.items() if closed]


# --- deadlines and summary -----------------------------------------------------------------


def _deadline_status(deadline: Deadline, as_of: dt.date) -> DeadlineStatus:
    days = (deadline.date - as_of).days
    when = format_date(deadline.date)
    if days > 0:
        sentence = f"{deadline.label}は{when}です（あと{days:,}日）。"
    elif days == 0:
        sentence = f"{deadline.label}は本日（{when}）です。"
    else:
        sentence = f"{deadline.label}（{when}）は過ぎています（{-days:,}日前）。"
    return DeadlineStatus(
        id=deadline.id,
        label=deadline.label,
        kind=deadline.kind,
        date=deadline.date,
        state="upcoming" if days >= 0 else "passed",
        days_until=days if days >= 0 else None,
        days_since=-days if days < 0 else None,
        windows=deadline.windows,
        note=deadline.note,
        sentence=sentence,
        source=deadline.source,
    )


def _next_date(
    windows: Sequence[WindowStatus], deadlines: Sequence[DeadlineStatus], as_of: dt.date
) -> NextDate | None:
    candidates: list[NextDate] = []
    for w in windows:
        if w.state == "upcoming":
            candidates.append(_next(w.start, "window_start", f"{w.name}の{KIND_JA[w.kind]}開始", as_of))
        elif w.state == "open":
            candidates.append(_next(w.end, "window_end", f"{w.name}の{KIND_JA[w.kind]}締切", as_of))
    candidates += [_next(d.date, "deadline", d.label, as_of) for d in deadlines if d.state == "upcoming"]
    return min(candidates, key=lambda c: c.date, default=None)


def _next(
    day: dt.date, kind: Literal["window_start", "window_end", "deadline"], label: str, as_of: dt.date
) -> NextDate:
    return NextDate(date=day, kind=kind, label=label, days_until=(day - as_of).days)


def _summary(
    windows: Sequence[WindowStatus], deadlines: Sequence[DeadlineStatus], closed_years: Sequence[str]
) -> str:
    if not windows and not deadlines:
        return "受付期間の情報が登録されていません。最新の募集要項を確認してください。"
    parts: list[str] = []
    open_now = [w for w in windows if w.state == "open"]
    upcoming = [w for w in windows if w.state == "upcoming"]
    if open_now:
        listed = "、".join(f"{w.name}（締切 {format_date(w.end)}、あと{w.days_left:,}日）" for w in open_now)
        parts.append(f"現在受付中: {listed}。")
    elif upcoming:
        first = min(upcoming, key=lambda w: w.start)
        parts.append(
            f"次の受付: {first.name}（{format_date(first.start)}から受付開始、"
            f"あと{first.days_until_start:,}日）。"
        )
    parts += [f"{year}の受付はすべて終了しました。" for year in closed_years]
    if closed_years and not open_now and not upcoming:
        parts.append(NEXT_YEAR_NOTE)
    coming = [d for d in deadlines if d.state == "upcoming"]
    if coming:
        soonest = min(coming, key=lambda d: d.date)
        parts.append(
            f"次の期限: {soonest.label}（{format_date(soonest.date)}、あと{soonest.days_until:,}日）。"
        )
    if not parts:
        parts.append("受付中・受付予定の期間はありません。")
    return "".join(parts)
