"""The verdict, status and language evaluators fail constructed wrong answers and pass right
answers written in other words — on the answer body only, never on quotations or sources."""

from __future__ import annotations

import pytest

from bot.evaluation.answer_checks import LanguageCheck, StatusCheck, VerdictCheck, body_text, lead

SOURCES = "\n\n---\n**出典**\n- 資料 — 事業概要 > 助成対象者\n"


@pytest.mark.parametrize(
    ("expected", "answer", "passed"),
    [
        ("yes", "はい、学校法人も申請できます。中小企業等に含まれます。", True),
        ("yes", "## 申請できるか\n\n**はい。** 医療法人も対象です。", True),
        ("yes", "Yes — medical corporations are included among eligible applicants.", True),
        ("yes", "いいえ、対象外です。", False),
        (
            "yes",
            "学校法人についての記載は次のとおりです。\n\n> はい、含まれます",
            False,
        ),  # only a quote says it
        ("no", "いいえ、大企業は対象外です。", True),
        ("no", "No. Large companies cannot apply for this grant.", True),
        ("no", "はい、大企業でも使えます。", False),
        ("no", "大企業でも使えます。", False),
        ("depends", "条件によります。CO2削減量が3t以上なら対象です。", True),
        ("depends", "It depends on the reduction: 3 t-CO2 or more qualifies.", True),
        ("depends", "はい、対象です。", False),
        ("not_stated", "中古設備については、資料に記載がありません。窓口でご確認ください。", True),
        ("not_stated", "The documents do not say whether used equipment qualifies.", True),
        ("not_stated", "中古設備も対象です。", False),
        ("not_stated", "中古設備も対象です。" + SOURCES.replace("助成対象者", "記載がありません"), False),
        ("eligible", "**入力いただいた内容では、申請要件をすべて満たしています。**", True),
        ("eligible", "Based on what you told us, you meet every requirement and are eligible.", True),
        ("eligible", "次の要件を満たしていないため、対象外と考えられます。", False),
        ("eligible", "対象です。ただし次の要件を満たしていないため、対象外と考えられます。", False),
        ("not_eligible", "**次の要件を満たしていないため、対象外と考えられます。**", True),
        ("not_eligible", "Unfortunately a large company is not eligible for this programme.", True),
        ("not_eligible", "申請要件をすべて満たしています。", False),
        ("not_eligible", "No. Only offsets with credits bought on the Tokyo market are covered.", True),
        ("not_eligible", "いいえ。都内の事業所で行う事業のみが対象です。", True),
        ("not_eligible", "はい。都内の事業所なら対象です。", False),
        ("eligible", "いいえ。都内の事業所で行う事業のみが対象です。", False),
        ("eligible", "はい。申請要件をすべて満たしています。", True),
        ("needs_information", "判定には、もう少し情報が必要です。従業員数を教えてください。", True),
        (
            "needs_information",
            "To check that, I need more information: how many employees do you have?",
            True,
        ),
        ("needs_information", "申請要件をすべて満たしています。", False),
    ],
)
def test_verdicts(expected: str, answer: str, passed: bool) -> None:
    check = VerdictCheck().judge(expected, answer)  # type: ignore[arg-type]
    assert check.passed is passed, check.reason


@pytest.mark.parametrize(
    ("expected", "answer", "passed"),
    [
        ({"p": "closed"}, "令和7年度の受付はすべて終了しています。", True),
        ({"p": "closed"}, "Applications for FY2025 have closed (the last round ended on 30 Jan 2026).", True),
        ({"p": "closed"}, "現在受付中です。第5回は1月30日までです。", False),
        ({"p": "closed"}, "平成22年の公募で、受付は終了しました。現在募集中の制度ではありません。", True),
        ({"p": "closed"}, "The call has closed; it is not accepting applications.", True),
        ({"p": "closed"}, "受付は終了しました。ただし現在募集中の別の回があります。", False),
        ({"p": "closed", "q": "closed"}, "どちらも受付終了です。ただしQは受付中です。", False),
        ({"p": "closed"}, "資料の記載は次のとおりです。\n\n> 受付終了" + SOURCES, False),
        ({"p": "open"}, "現在、第5回を受付中です（1月30日まで）。", True),
        ({"p": "open"}, "The second round is currently open until 27 June.", True),
        ({"p": "open"}, "受付は終了しました。", False),
        ({"p": "upcoming"}, "第5回は2025年12月15日から受付が始まります。", True),
        ({"p": "upcoming"}, "Round 5 opens on 15 December 2025.", True),
        ({"p": "upcoming"}, "受付は終了しました。", False),
    ],
)
def test_statuses(expected: dict[str, str], answer: str, passed: bool) -> None:
    check = StatusCheck().judge(expected, answer)  # type: ignore[arg-type]
    assert check.passed is passed, check.reason


@pytest.mark.parametrize(
    ("lang", "answer", "passed"),
    [
        (
            "en",
            "The grant covers 3/4 of eligible costs, up to ¥45,000,000 "
            "(ゼロエミッション化に向けた省エネ設備導入・運用改善支援事業).",
            True,
        ),
        ("en", "助成率は3/4、上限は4,500万円です。", False),
        (
            "en",
            "助成率は3/4です。\n\n> The grant rate is three quarters of the eligible cost, more English.",
            False,
        ),
        ("ja", "助成率は3/4、上限は4,500万円です。", True),
        ("ja", "The rate is 3/4 and the cap is 45 million yen.", False),
    ],
)
def test_language(lang: str, answer: str, passed: bool) -> None:
    check = LanguageCheck().judge(lang, answer)
    assert check.passed is passed, check.reason


def test_body_drops_quotes_and_the_source_list() -> None:
    answer = "本文です。\n\n> 引用\n\n続き。" + SOURCES
    assert body_text(answer) == "本文です。\n\n\n続き。"
    assert lead("## 見出し\n\n- **はい。** 対象です。") == "はい。"


def test_a_turn_may_expect_another_language_than_its_case() -> None:
    from bot.evaluation.answer_checks import LanguageCheck

    assert LanguageCheck().judge("en", "The SME cap is ¥2,400,000.").passed
    assert not LanguageCheck().judge("en", "中小企業の上限は240万円です。").passed
