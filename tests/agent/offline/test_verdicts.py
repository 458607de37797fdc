"""Direct answers to yes/no questions: the verdict first, from the most exact source."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from programme_ids import CC, JVER, SAF, ZE

from bot.agent.offline.verdicts import (
    asks_status,
    is_yes_no,
    last_question,
    negated,
    round_state_question,
    round_state_verdict,
)

from .support import Dialogue

MakeDialogue = Callable[..., Dialogue]


@pytest.mark.parametrize(
    ("message", "lang", "polar"),
    [
        ("大企業でも申請できる？", "ja", True),
        ("郵送で出してもいいですか", "ja", True),
        ("これって補助金なの？", "ja", True),
        ("うちは大企業なんですが、申請できますか？", "ja", True),
        ("中小企業です。都内の工場でLEDにします。対象になりますか？", "ja", True),
        ("助成額はいくら？", "ja", False),
        ("締切はいつですか？", "ja", False),
        ("締切は？", "ja", False),
        ("問い合わせ先は？", "ja", False),
        ("先着順ですか？抽選ですか？", "ja", False),
        ("申請方法を教えてください", "ja", False),
        ("Can a sole proprietor apply?", "en", True),
        ("Is it first come, first served?", "en", True),
        ("Is it first come or by lottery?", "en", False),
        ("How much can we get?", "en", False),
    ],
)
def test_a_polar_question_is_told_from_an_open_one(message: str, lang: str, polar: bool) -> None:
    assert is_yes_no(message, lang) is polar  # type: ignore[arg-type]


def test_the_question_is_the_last_asking_sentence() -> None:
    assert last_question("中小企業です。都内にあります。対象になりますか？ よろしく") == "対象になりますか?"
    assert asks_status("今でも応募できますか？") and asks_status("Is it still open now?")
    assert not asks_status("応募できますか？")
    assert not asks_status("We still owe last year's tax. Can we apply?")  # «still» is not about applying


def test_applying_now_is_answered_from_the_status(dialogue: MakeDialogue) -> None:
    closed = dialogue(dt.date(2026, 12, 3)).say("ゼロエミ省エネって今申請できますか？")
    assert "**いいえ。**" in closed.answer.split("\n\n")[1]
    open_now = dialogue(dt.date(2025, 12, 20)).say("カーボンクレジット活用促進事業はまだ申請できる？")
    assert open_now.answer.split("\n\n")[1] == "**はい。**"


def test_an_excluded_cost_is_no_with_the_documents_reason(dialogue: MakeDialogue) -> None:
    reply = dialogue().say("SAF補助って消費税分も出る？")
    assert reply.programmes == [SAF]
    first, lead, reason = reply.answer.split("\n\n")[:3]
    assert first.endswith("消費税は助成対象か") and lead == "**いいえ。**"
    assert reason.startswith("消費税は助成対象になりません（間接経費")


def test_a_cost_item_is_answered_by_the_categories_the_applicant_may_be_in(dialogue: MakeDialogue) -> None:
    large = dialogue().say(
        "うち大企業なんだけど、製品のGHG排出量算定にかかる費用ってクレジット活用助成の対象？"
    )
    assert large.programmes == [CC] and large.answer.split("\n\n")[1] == "**いいえ。**"
    assert "中小企業以外: 製品等に係るGHG排出量の算定に要する経費は助成対象経費に含まれません" in large.answer
    unknown = dialogue().say("カーボンクレジット活用促進事業で、排出量算定の費用も助成されますか？")
    assert unknown.answer.split("\n\n")[1] == "**条件によります。**"
    every = dialogue().say("ゼロエミって設計費も対象になりますか？")
    assert every.programmes == [ZE] and every.answer.split("\n\n")[1] == "**はい。**"


def test_an_aside_about_a_cost_is_not_a_cost_question(dialogue: MakeDialogue) -> None:
    reply = dialogue().say(
        "大阪の会社で東京には拠点なし。東京でやるイベントをクレジットでオフセットしてPRするんだけど、対象になる？"
    )
    assert "プロモーション実施に要する経費は助成対象か" not in reply.answer
    assert "**いいえ。**" in reply.answer


@pytest.mark.parametrize(
    ("message", "lead"),
    [
        (
            "医療法人でもゼロエミ省エネの助成を受けられる？",
            "**はい。**",
        ),  # the stated fact passes; the rest is asked
        ("大企業でもカーボンクレジット活用促進の助成は受けられますか", "**はい。**"),  # its own category
        ("うちは大企業なんですが、ゼロエミの助成は受けられますか？", "**いいえ。**"),
        ("ゼロエミの助成、うちは対象になりますか？", "**条件によります。**"),
    ],
)
def test_the_applicants_stated_fact_decides(dialogue: MakeDialogue, message: str, lead: str) -> None:
    reply = dialogue().say(message)
    assert reply.answer.split("\n\n")[1] == lead


def test_a_ruling_answers_with_the_question_it_answers_as_heading(dialogue: MakeDialogue) -> None:
    chat = dialogue()
    chat.say("J-VER創出支援について教えて")
    reply = chat.say("応募書類はメールで提出できましたか？")  # about the session's programme
    heading, lead = reply.answer.split("\n\n")[:2]
    assert reply.programmes == [JVER]
    assert heading.startswith("## 温室効果ガス排出削減・吸収クレジット創出支援事業：") and heading.endswith(
        "？"
    )
    assert lead == "**いいえ。**"
    assert "特定記録郵便" in reply.answer  # the quoted passage


def test_a_question_about_something_the_documents_never_mention_gets_no_verdict(
    dialogue: MakeDialogue,
) -> None:
    reply = dialogue().say("中古の高効率ボイラーを導入する場合も、ゼロエミの対象になりますか？")
    assert "**はい。**" not in reply.answer and "**いいえ。**" not in reply.answer


def test_english_yes_no_questions_lead_with_yes_or_no(dialogue: MakeDialogue) -> None:
    reply = dialogue().say("Is consumption tax covered by the SAF air cargo grant?")
    assert reply.lang == "en"
    assert reply.answer.split("\n\n")[1] == "**No.**"


def test_the_alternative_a_question_sets_aside_is_not_what_it_asks(dialogue: MakeDialogue) -> None:
    reply = dialogue().say("ゼロエミの交付申請、電子じゃなくて郵送でもいける？")
    assert "電子申請で出せますか" not in reply.answer  # the ruling about online applications answers «yes»
    assert "**はい。**" not in reply.answer


def test_an_english_question_is_not_given_a_ruling_on_another_subject(dialogue: MakeDialogue) -> None:
    # the masked programme name (「この制度」) must not make the message read as Japanese
    reply = dialogue().say("Is the carbon credit promotion grant open to companies outside Tokyo?")
    assert "loan" not in reply.answer.splitlines()[0].lower()
    assert "**Yes.**" not in reply.answer


@pytest.mark.parametrize(
    ("message", "asked"),
    [
        ("第2回の受付ってもう締め切られた？", (2, "ended")),
        ("3回目はもう始まってますか", (3, "open")),
        ("Is round 4 open yet?", (4, "open")),
        ("Has the 5th round ended?", (5, "ended")),
        ("第2回の締切はいつ？", None),  # asks for a date, not whether it has passed
        ("もう終わった？", None),  # no round named: the status answers it
    ],
)
def test_a_question_about_one_round_is_read(message: str, asked: tuple[int, str] | None) -> None:
    assert round_state_question(message) == asked


def test_a_round_is_ended_or_open_from_its_state() -> None:
    states = {1: "closed", 2: "open", 3: "upcoming"}
    assert round_state_verdict(states, (1, "ended")) == "yes"
    assert round_state_verdict(states, (3, "ended")) == "no"
    assert round_state_verdict(states, (2, "open")) == "yes"
    assert round_state_verdict(states, (1, "open")) == "no"
    assert round_state_verdict(states, (9, "open")) is None  # not a round of the document


def test_a_round_named_in_the_question_is_answered_from_its_own_window(dialogue: MakeDialogue) -> None:
    during = dialogue(dt.date(2025, 6, 20)).say("ゼロエミ省エネの第2回って、もう締め切られた？")
    assert during.answer.split("\n\n")[1] == "**いいえ。**"
    after = dialogue(dt.date(2025, 7, 1)).say("ゼロエミ省エネの第2回って、もう締め切られた？")
    assert after.answer.split("\n\n")[1] == "**はい。**"


def test_the_documents_answer_to_the_question_beats_a_fact_it_mentions_in_passing(
    dialogue: MakeDialogue,
) -> None:
    # 「都内」 is a fact the eligibility check reads, but the question is how many sites one
    # application may cover
    reply = dialogue().say("ゼロエミ省エネで、都内の倉庫と工場を同じ回に1件の申請でまとめて出せる？")
    assert reply.answer.split("\n\n")[1] == "**いいえ。**"
    assert "一つの事業所" in reply.answer


def test_a_figure_the_ruling_does_not_state_gets_no_verdict_from_it(dialogue: MakeDialogue) -> None:
    reply = dialogue().say("ゼロエミの工事完了届は、工事が終わってから90日以内に出せば大丈夫？")
    assert "**はい。**" not in reply.answer


def test_a_leasing_company_applies_only_jointly(dialogue: MakeDialogue) -> None:
    reply = dialogue().say("当社はリース会社です。ゼロエミ省エネの申請者になれますか？")
    assert reply.answer.split("\n\n")[1] == "**条件によります。**"
    assert "共同" in reply.answer


def test_a_general_question_after_several_facts_is_the_eligibility_check(dialogue: MakeDialogue) -> None:
    # the facts mention the warming report; the question is whether the applicant qualifies
    reply = dialogue().say(
        "We are an SME with an office building in Tokyo that we own; it is a small/medium-sized site. "
        "We made our own plan, the new chillers cut 12 t of CO2 a year and we file the global warming "
        "report every year. Is our company eligible for the zero-emission grant?"
    )
    heading = reply.answer.splitlines()[0]
    assert "report" not in heading.lower()
    assert reply.answer.split("\n\n")[1] == "**Yes.**"


def test_a_question_turning_on_a_word_the_document_never_uses_is_told_so(dialogue: MakeDialogue) -> None:
    reply = dialogue().say("カーボンクレジット活用促進事業の助成金は、前払いで受け取れますか？")
    lead, note = reply.answer.split("\n\n")[1:3]
    assert lead == "**資料には記載がありません。**"
    assert "「前払い」についての記載がない" in note


def test_a_word_close_to_the_documents_own_is_not_called_unmentioned(dialogue: MakeDialogue) -> None:
    # 冷蔵庫 is not in the document, but 冷凍冷蔵設備 is
    reply = dialogue().say("ゼロエミ省エネで業務用冷蔵庫の入れ替えも対象になる？")
    assert "記載がありません" not in reply.answer


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("報告書は提出しなくても大丈夫ですよね？", True),
        ("手数料はかからないの？", True),
        ("大企業は対象にならないですか？", True),
        ("報告書の提出は必要ですか？", False),
        ("大企業じゃないけど申請できる？", False),  # a negation inside the sentence
        ("診断を受けなくても申請できますか", False),  # «without X», not a negative question
        ("削減量が少ないけど対象？", False),
    ],
)
def test_a_question_put_negatively_is_recognised(question: str, expected: bool) -> None:
    assert negated(question) is expected


def test_a_negative_question_gets_the_japanese_answer_to_it(dialogue: MakeDialogue) -> None:
    # the document requires the report: 「出さなくてもいい？」 → いいえ, 「必要？」 → はい
    put_negatively = dialogue().say("ゼロエミは温対報告書を提出しなくても大丈夫ですよね？")
    assert put_negatively.answer.split("\n\n")[1] == "**いいえ。**"
    assert "要件" in put_negatively.answer
    put_positively = dialogue().say("ゼロエミは温対報告書の提出が要りますか？")
    assert put_positively.answer.split("\n\n")[1] == "**はい。**"


def test_words_describing_the_applicant_are_not_taken_for_the_question(dialogue: MakeDialogue) -> None:
    # 「歯科」 is not in the document, but it describes the applicant, not what is asked
    reply = dialogue().say(
        "都内で歯科医院を経営する医療法人です。照明をLEDにしたいのですが、ゼロエミは使えますか？"
    )
    assert "記載がありません" not in reply.answer


def test_a_non_grant_asked_whether_it_pays_says_no(dialogue: MakeDialogue) -> None:
    # 「者」 (one kanji) is not a word the document fails to use
    reply = dialogue().say("商工会議所の者ですが、CNアクションプランを策定したら補助金は出ますか？")
    assert reply.answer.split("\n\n")[1] == "**いいえ。**"
