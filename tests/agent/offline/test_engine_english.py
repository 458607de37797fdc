"""English turns through the offline engine: the same calculators, figures and citations as a
Japanese turn, answered in English; the session keeps the language for short follow-ups."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from programme_ids import CC, JVER, ZE

from bot.agent.grounding import check_grounding
from bot.evaluation.answer_checks import LanguageCheck
from bot.tools.parsing import find_yen_mentions

from .support import Dialogue

MakeDialogue = Callable[..., Dialogue]


def english(answer: str) -> bool:
    return LanguageCheck().judge("en", answer).passed


def test_an_english_amount_shows_the_steps_in_english(dialogue: MakeDialogue) -> None:
    chat = dialogue()
    reply = chat.say(
        "We are an SME in Tokyo. Eligible costs are ¥80,000,000 and we will cut 35 t-CO2 a year. "
        "How much is the zero-emission energy-saving grant?"
    )
    assert reply.lang == "en" and english(reply.answer)
    assert "**The grant for Category 1 is ¥45,000,000.**" in reply.answer
    assert "- Eligible costs ¥80,000,000 × rate 3/4 = ¥60,000,000" in reply.answer
    assert "- Cap ¥45,000,000 applied → grant ¥45,000,000" in reply.answer
    assert "\n**Sources**\n" in reply.answer and reply.programmes == [ZE]
    assert any(c.source_id == ZE and c.section == "事業概要 > 助成額等" for c in reply.citations)
    assert [c.name for c in reply.tool_calls][:1] == ["calculate_grant"]
    assert chat.slots["lang"] == "en"


def test_the_english_answer_is_grounded(dialogue: MakeDialogue, offline_deps: object) -> None:
    chat = dialogue()
    reply = chat.say(
        "SME, own plan, 5 tonnes of CO2 a year, 12 million yen: zero-emission energy-saving grant?"
    )
    assert 8_000_000 in [m.value for m in find_yen_mentions(reply.answer)]
    report = check_grounding(reply, chat.as_of, chat.deps.knowledge, "")
    assert report.ok, report.findings


def test_short_follow_ups_stay_english_and_japanese_switches_back(dialogue: MakeDialogue) -> None:
    chat = dialogue()
    chat.say("SME in Tokyo, 35 t-CO2 a year, eligible costs ¥80,000,000: zero-emission energy-saving grant?")
    deadline = chat.say("and the deadline?")
    assert deadline.lang == "en" and "application windows and deadlines" in deadline.answer
    assert "closed on 30 January 2026" in deadline.answer
    amount = chat.say("50 million?")
    assert amount.lang == "en" and "¥37,500,000" in amount.answer
    japanese = chat.say("締切はいつですか？")
    assert japanese.lang == "ja" and "受付期間と締切" in japanese.answer and "lang" not in chat.slots


def test_a_missing_fact_is_asked_in_english_and_the_answer_is_read(dialogue: MakeDialogue) -> None:
    chat = dialogue()
    first = chat.say(
        "How much could we receive from the carbon credit promotion grant? Promotion costs ¥2,400,000."
    )
    assert first.follow_up and first.follow_up[0].startswith("Is your company an SME")
    assert chat.slots["pending_fact"] == "is_sme"
    second = chat.say("yes")
    assert "¥1,600,000" in second.answer and second.programmes == [CC]


def test_eligibility_deadline_contact_and_overview(dialogue: MakeDialogue) -> None:
    large = dialogue().say(
        "We are a large company in Tokyo. Are we eligible for the zero-emission energy-saving grant?"
    )
    assert "You are not eligible" in large.answer and "✗ Not met" in large.answer
    open_now = dialogue(dt.date(2026, 1, 20)).say("Is the zero-emission energy-saving grant open now?")
    assert "open now" in open_now.answer and "30 January 2026" in open_now.answer
    contact = dialogue().say("What's the phone number for the zero-emission energy-saving grant?")
    assert "03-5990-5089" in contact.answer and english(contact.answer)
    overview = dialogue().say("What is the J-VER credit creation subsidy?")
    assert overview.programmes == [JVER] and "FY2010" in overview.answer and english(overview.answer)


def test_scope_greeting_and_discovery(dialogue: MakeDialogue) -> None:
    weather = dialogue().say("What's the weather in Tokyo tomorrow?")
    assert weather.answer.startswith("Sorry, I cannot help") and not weather.programmes
    hello = dialogue().say("Hello!")
    assert hello.answer.startswith("Hello, I am the decarbonisation grant advisor")
    found = dialogue().say("Which grants could help a small company replace old air conditioning?")
    assert found.programmes[0] == ZE and found.answer.startswith("## Programmes that may fit")


def test_capital_and_employees_make_a_large_company_and_the_verdict_leads(dialogue: MakeDialogue) -> None:
    reply = dialogue().say(
        "We're a company with 10 billion yen of capital and 2,000 employees, upgrading lighting at our "
        "Tokyo head office. Are we eligible for the zero-emission energy-saving grant?"
    )
    assert reply.lang == "en"
    assert reply.answer.split("\n\n")[1] == "**No.**"
    assert "not an SME" in reply.answer or "Not met" in reply.answer


def test_discovery_and_registration_questions_in_english(dialogue: MakeDialogue) -> None:
    found = dialogue(dt.date(2025, 7, 1)).say("Which decarbonisation grants can I apply for right now?")
    assert "Open for applications as of 1 July 2025" in found.answer
    how = dialogue().say(
        "We're a chamber of commerce. How do we register our carbon neutral action plan with METI?"
    )
    assert "how to apply" in how.answer.splitlines()[0]


def test_naming_saf_is_not_a_fact_and_a_when_question_gets_the_windows(dialogue: MakeDialogue) -> None:
    reply = dialogue(dt.date(2025, 5, 25)).say("We missed the first SAF round. When does the next one open?")
    assert "16 June 2025" in reply.answer.split("\n\n")[1]


def test_still_taking_applications_is_answered_from_the_status(dialogue: MakeDialogue) -> None:
    reply = dialogue(dt.date(2025, 9, 15)).say("Is the SAF air cargo subsidy still receiving applications?")
    assert reply.answer.split("\n\n")[1] == "**No.**"
