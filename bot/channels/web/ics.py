"""iCalendar (RFC 5545) of the programmes' application windows and deadlines — a pure function.

One all-day VEVENT per window (DTSTART = first day, DTEND = the day after the last: DTEND is
exclusive) and per deadline (that day). SUMMARY is Japanese with the programme's name; the
DESCRIPTION gives the times, the cited source section and the URL. Lines end in CRLF and are
folded at 75 octets without splitting a UTF-8 character.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from bot.knowledge.models import Deadline, Programme, SourceRef, Window
from bot.tools.status import KIND_JA, SELECTION_JA, span_ja

PRODID = "-//grant-advisor//Decarbonisation Grant Advisor//JA"
UID_DOMAIN = "grant-advisor"
CALENDAR_NAME = "脱炭素補助金の受付期間・期限"
MAX_OCTETS = 75


def escape_text(text: str) -> str:
    """TEXT value escaping: backslash, semicolon, comma and line breaks."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str, limit: int = MAX_OCTETS) -> str:
    """Fold one content line into physical lines of at most ``limit`` octets (CRLF + space)."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    budget = limit
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > budget:
            pieces.append("".join(current))
            current, size, budget = [], 0, limit - 1  # a continuation line starts with a space
        current.append(char)
        size += width
    pieces.append("".join(current))
    return "\r\n ".join(pieces)


def _date(day: dt.date) -> str:
    return day.strftime("%Y%m%d")


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _source_lines(source: SourceRef, url: str) -> list[str]:
    return [f"出典: {source.section}（{source.doc}）", url]


def _window_event(programme: Programme, window: Window, url: str, stamp: str) -> list[str]:
    noun = KIND_JA.get(window.kind, "受付")
    name = f"{window.fiscal_year} 第{window.round}回" if window.round is not None else window.label
    description = [f"{noun}期間: {span_ja(window)}"]
    selection = window.selection_note or SELECTION_JA.get(window.selection)
    if selection:
        description.append(f"選考方法: {selection}")
    description += _source_lines(window.source, url)
    return _event(
        uid=f"{programme.id}-window-{window.id}@{UID_DOMAIN}",
        stamp=stamp,
        start=window.start,
        end=window.end + dt.timedelta(days=1),
        summary=f"【{noun}期間】{programme.name.value} {name}",
        description="\n".join(description),
        url=url,
    )


def _deadline_event(programme: Programme, deadline: Deadline, url: str, stamp: str) -> list[str]:
    description = [f"期限: {deadline.date.year}年{deadline.date.month}月{deadline.date.day}日"]
    if deadline.note:
        description.append(deadline.note)
    description += _source_lines(deadline.source, url)
    return _event(
        uid=f"{programme.id}-deadline-{deadline.id}@{UID_DOMAIN}",
        stamp=stamp,
        start=deadline.date,
        end=deadline.date + dt.timedelta(days=1),
        summary=f"【期限】{programme.name.value} {deadline.label}",
        description="\n".join(description),
        url=url,
    )


def _event(
    *, uid: str, stamp: str, start: dt.date, end: dt.date, summary: str, description: str, url: str
) -> list[str]:
    return [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{stamp}",
        f"DTSTART;VALUE=DATE:{_date(start)}",
        f"DTEND;VALUE=DATE:{_date(end)}",
        f"SUMMARY:{escape_text(summary)}",
        f"DESCRIPTION:{escape_text(description)}",
        f"URL:{url}",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
    ]


def build_calendar(
    programmes: Iterable[Programme], source_urls: Mapping[str, str], stamp: dt.datetime
) -> str:
    """The VCALENDAR text (CRLF line endings, folded) of every window and deadline.

    ``source_urls`` maps a source document id to its URL (the programme's URL is used when the
    cited document is unknown); ``stamp`` (timezone-aware) becomes every event's DTSTAMP.
    """
    when = _stamp(stamp)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(CALENDAR_NAME)}",
        "X-WR-TIMEZONE:Asia/Tokyo",
    ]
    for programme in programmes:
        fallback = programme.url.value
        for window in programme.windows:
            url = source_urls.get(window.source.doc, fallback)
            lines += _window_event(programme, window, url, when)
        for deadline in programme.deadlines:
            url = source_urls.get(deadline.source.doc, fallback)
            lines += _deadline_event(programme, deadline, url, when)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
