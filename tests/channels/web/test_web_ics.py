"""The iCalendar writer as a pure function: escaping, folding, events, determinism."""

from __future__ import annotations

import datetime as dt

from bot.channels.web.ics import build_calendar, escape_text, fold
from bot.knowledge.loader import KnowledgeBase

from .conftest import ZERO

STAMP = dt.datetime(2026, 1, 20, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=9)))


def test_text_values_are_escaped() -> None:
    assert escape_text("a,b;c\\d\r\ne\nf") == "a\\,b\\;c\\\\d\\ne\\nf"


def test_folding_keeps_utf8_characters_whole() -> None:
    line = "SUMMARY:" + "脱炭素補助金" * 20  # 3 octets per character
    folded = fold(line)
    physical = folded.split("\r\n")
    assert len(physical) > 1
    assert all(len(part.encode("utf-8")) <= 75 for part in physical)
    assert all(part.startswith(" ") for part in physical[1:])
    assert folded.replace("\r\n ", "") == line
    assert fold("DTSTART;VALUE=DATE:20260119") == "DTSTART;VALUE=DATE:20260119"
    exact = "X" * 75
    assert fold(exact) == exact and fold(exact + "Y") == exact + "\r\n Y"


def test_calendar_is_deterministic_for_a_given_stamp(web_knowledge: KnowledgeBase) -> None:
    programmes = [web_knowledge.programmes[ZERO]]
    urls = {"tokyo-zero-emission-energy-saving": "https://www.tokyo-co2down.jp/"}
    first = build_calendar(programmes, urls, STAMP)
    assert first == build_calendar(programmes, urls, STAMP)
    lines = first.replace("\r\n ", "").split("\r\n")
    assert lines[-1] == "" and lines[-2] == "END:VCALENDAR"
    assert "DTSTAMP:20260120T003000Z" in lines, "DTSTAMP is in UTC"
    programme = programmes[0]
    assert lines.count("BEGIN:VEVENT") == len(programme.windows) + len(programme.deadlines)


def test_an_unknown_source_document_falls_back_to_the_programme_url(web_knowledge: KnowledgeBase) -> None:
    programme = web_knowledge.programmes[ZERO]
    text = build_calendar([programme], {}, STAMP).replace("\r\n ", "")
    assert f"URL:{programme.url.value}" in text


def test_an_empty_calendar_is_still_valid() -> None:
    text = build_calendar([], {}, STAMP)
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert "BEGIN:VEVENT" not in text
