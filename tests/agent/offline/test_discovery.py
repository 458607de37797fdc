"""Discovery answers: which programmes fit, each with its status as of the turn's date first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from programme_ids import CC, JVER, METI, SAF, ZE

from .support import Dialogue

MakeDialogue = Callable[..., Dialogue]


def test_nothing_open_is_said_plainly_with_each_programme_status(dialogue: MakeDialogue) -> None:
    reply = dialogue(dt.date(2026, 12, 3)).say("いま申し込める補助金ってある？")
    first = reply.answer.split("\n\n")[1]
    assert "どれも申請を受け付けていません" in first
    assert set(reply.programmes) == {ZE, CC, SAF, JVER, METI}
    assert "受付終了（令和7年度 第5回は2026年1月30日に終了" in reply.answer
    assert "受付終了（令和7年度は2025年12月26日に終了" in reply.answer
    assert "補助金・助成金ではなく" in reply.answer  # the action plan pays nothing
    assert "受付中" not in reply.answer
    assert "次にできること" in reply.answer and "03-5990-5089" in reply.answer


def test_open_programmes_lead_with_their_deadline_and_upcoming_ones_with_their_start(
    dialogue: MakeDialogue,
) -> None:
    reply = dialogue(dt.date(2025, 12, 20)).say("今申請できる助成金はありますか？")
    assert reply.programmes[0] == CC  # the open one first
    assert "受付中の制度: カーボンクレジット活用促進" in reply.answer
    assert "受付中（令和7年度、締切 2025年12月26日、あと6日）" in reply.answer
    assert "受付開始前（令和7年度 第5回は2026年1月19日から受付）" in reply.answer
    assert "次にできること" not in reply.answer


def test_a_described_need_narrows_the_list_to_the_programmes_it_points_to(dialogue: MakeDialogue) -> None:
    reply = dialogue(dt.date(2026, 12, 3)).say("店の照明をLEDに替えたい。何か補助はありますか？")
    assert reply.programmes == [ZE]
    assert "ご要望に近い制度は、2026年12月3日時点で申請を受け付けていません" in reply.answer
    assert "SAF" not in reply.answer.split("出典")[0]


def test_a_closed_programme_is_never_called_open(dialogue: MakeDialogue) -> None:
    for day in (dt.date(2025, 5, 1), dt.date(2025, 7, 1), dt.date(2026, 2, 20), dt.date(2026, 12, 3)):
        reply = dialogue(day).say("使える補助金を一覧で教えて")
        for line in reply.answer.splitlines():
            if "受付中（" in line:
                assert "締切" in line and f"{day.year}" in line
        assert "J-VER創出支援**（温室効果ガス排出削減・吸収クレジット創出支援事業）— 受付終了" in reply.answer


def test_an_english_need_is_answered_in_english_with_the_fitting_programme_status(
    dialogue: MakeDialogue,
) -> None:
    reply = dialogue(dt.date(2026, 12, 3)).say(
        "We run a small restaurant in Tokyo. Could we get help replacing our refrigerators?"
    )
    assert reply.programmes == [ZE]
    body = reply.answer.split("**Sources**")[0]
    assert "not accepting applications" in body
    assert "closed (FY2025 round 5 ended on 30 January 2026" in body
    assert "What it funds:" in body and "What you can do next" in body


def test_a_described_programme_says_what_it_funds(dialogue: MakeDialogue) -> None:
    reply = dialogue(dt.date(2026, 12, 3)).say("SAFを使った航空輸送に使える支援はありますか？")
    assert reply.programmes == [SAF]
    assert "制度の内容:" in reply.answer and "上乗せ" in reply.answer
