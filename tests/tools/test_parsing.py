"""Money, tonnage and percentage parsing: every notation, every error, and round-trip properties."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.errors import InputError
from bot.tools.numerals import NumeralError, normalise_text, parse_numeral
from bot.tools.parsing import (
    MAX_YEN,
    Mention,
    ParseError,
    find_percent_mentions,
    find_percents,
    find_tonne_mentions,
    find_tonnes,
    find_yen_amounts,
    find_yen_mentions,
    format_yen,
    format_yen_plain,
    parse_percent,
    parse_tonnes,
    parse_yen,
)

FULL_WIDTH = str.maketrans("0123456789,.¥%t", "０１２３４５６７８９，．￥％ｔ")

# --- parse_yen ------------------------------------------------------------------------------

YEN_CASES = [
    ("1,500万円", 15_000_000),
    ("1500万", 15_000_000),
    ("１５００万円", 15_000_000),
    ("１，５００万円", 15_000_000),
    ("１５００．５万円", 15_005_000),
    ("¥15,000,000", 15_000_000),
    ("￥15,000,000", 15_000_000),
    ("¥ 1,500", 1_500),
    ("15,000,000円", 15_000_000),
    ("1,500 円", 1_500),
    ("1.5億円", 150_000_000),
    ("2億4千万円", 240_000_000),
    ("2億4000万円", 240_000_000),
    ("千五百万円", 15_000_000),
    ("一〇〇万円", 1_000_000),
    ("15百万円", 15_000_000),
    ("3千円", 3_000),
    ("1億", 100_000_000),
    ("1兆円", 10**12),
    ("10兆円", MAX_YEN),
    ("8000万円", 80_000_000),
    ("800万円", 8_000_000),
    ("45,000,000", 45_000_000),
    ("4500万円", 45_000_000),
    ("1億5,000万円", 150_000_000),
    ("1,234万5,678円", 12_345_678),
    ("1万5円", 10_005),
    ("1,200万円（税込）", 12_000_000),
    ("1,200万円(税込)です", 12_000_000),
    ("1,200万円（うち消費税109万円）", 12_000_000),
    ("1,200万円 税込", 12_000_000),
    ("総事業費は1500万円です。", 15_000_000),
    ("1500万になります", 15_000_000),
    ("0円", 0),
    ("〇円", 0),
    ("零円", 0),
    ("0", 0),
    ("千", 1_000),
    ("十円", 10),
]


@pytest.mark.parametrize(("text", "expected"), YEN_CASES)
def test_parse_yen_reads_each_notation(text: str, expected: int) -> None:
    assert parse_yen(text) == expected


YEN_ERRORS = [
    ("", "入力されていません"),
    ("   ", "入力されていません"),
    ("abc", "読み取れませんでした"),
    ("（税込）", "読み取れませんでした"),
    ("1000万円か2000万円", "複数"),
    ("1000万-2000万円", "複数"),
    ("30トン削減で1000万円", "複数"),
    ("-100万円", "負"),
    ("−100万円", "負"),
    ("▲100万円", "負"),
    ("△100万円", "負"),
    ("マイナス100万円", "負"),
    ("差額は-100万円", "負"),
    ("-45,000,000", "負"),
    ("約1,200万円", "「約」"),
    ("約45,000,000", "「約」"),
    ("およそ1億円", "「およそ」"),
    ("1000万円程度", "「程度」"),
    ("1億円以上", "「以上」"),
    ("1000万円強", "「強」"),
    ("0.5円", "端数"),
    ("1.5円", "端数"),
    ("100兆円", "大きすぎます"),
    ("10,000,000,000,001円", "大きすぎます"),
    ("1,50万円", "書き方"),
    ("1 500万円", "書き方"),
    ("万円", "書き方"),
    ("1万2億円", "書き方"),
    ("1万5", "書き方"),
    ("30トン", "読み取れませんでした"),
    ("2025年", "読み取れませんでした"),
    ("第5回", "読み取れませんでした"),
    ("数千万円", "読み取れませんでした"),
    ("1000万円くれ", "読み取れませんでした"),
    ("1,200万円、税込", "読み取れませんでした"),
    ("30 40", "読み取れませんでした"),
]


@pytest.mark.parametrize(("text", "fragment"), YEN_ERRORS)
def test_parse_yen_rejects_with_both_messages(text: str, fragment: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_yen(text)
    error = caught.value
    assert isinstance(error, InputError)
    assert fragment in error.message_ja
    assert error.message_en
    if text.strip():
        assert text in error.message_ja
        assert text in error.message_en


# --- parse_tonnes ---------------------------------------------------------------------------

TONNE_CASES = [
    ("30t-CO2", Fraction(30)),
    ("30 t-CO2", Fraction(30)),
    ("30トン", Fraction(30)),
    ("30t", Fraction(30)),
    ("２８ｔ", Fraction(28)),
    ("30tCO2", Fraction(30)),
    ("30t-CO₂", Fraction(30)),
    ("30t-CO2e", Fraction(30)),
    ("30トン-CO2", Fraction(30)),
    ("30 tons", Fraction(30)),
    ("1.5トン", Fraction(3, 2)),
    ("年間30トン", Fraction(30)),
    ("CO2削減量30トン", Fraction(30)),
    ("3千トン", Fraction(3000)),
    ("1.2万t", Fraction(12000)),
    ("30t/年", Fraction(30)),
    ("30トンの削減です", Fraction(30)),
    ("30", Fraction(30)),
    ("0t", Fraction(0)),
    ("10億トン", Fraction(10**9)),
]


@pytest.mark.parametrize(("text", "expected"), TONNE_CASES)
def test_parse_tonnes_reads_each_notation(text: str, expected: Fraction) -> None:
    assert parse_tonnes(text) == expected


TONNE_ERRORS = [
    ("-30t", "負"),
    ("▲30トン", "負"),
    ("約30トン", "「約」"),
    ("30トン以上", "「以上」"),
    ("11億トン", "大きすぎます"),
    ("30th", "読み取れませんでした"),
    ("30トンネル", "読み取れませんでした"),
    ("30トンー", "読み取れませんでした"),
    ("30t と 40t", "複数"),
    ("30kg", "読み取れませんでした"),
    ("", "入力されていません"),
]


@pytest.mark.parametrize(("text", "fragment"), TONNE_ERRORS)
def test_parse_tonnes_rejects(text: str, fragment: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_tonnes(text)
    assert fragment in caught.value.message_ja
    assert caught.value.message_en


# --- parse_percent --------------------------------------------------------------------------

PERCENT_CASES = [
    ("35％", Fraction(35)),
    ("35%", Fraction(35)),
    ("30 %", Fraction(30)),
    ("３０パーセント", Fraction(30)),
    ("三十パーセント", Fraction(30)),
    ("3割", Fraction(30)),
    ("三割", Fraction(30)),
    ("3割5分", Fraction(35)),
    ("三割五分", Fraction(35)),
    ("0.5割", Fraction(5)),
    ("3割5分2厘", Fraction(352, 10)),
    ("3割2厘", Fraction(302, 10)),
    ("10割", Fraction(100)),
    ("33.3%", Fraction(333, 10)),
    ("0%", Fraction(0)),
    ("100%", Fraction(100)),
    ("30%削減", Fraction(30)),
    ("3割引き", Fraction(30)),
    ("削減率は46%です", Fraction(46)),
]


@pytest.mark.parametrize(("text", "expected"), PERCENT_CASES)
def test_parse_percent_returns_percent_points(text: str, expected: Fraction) -> None:
    assert parse_percent(text) == expected


PERCENT_ERRORS = [
    ("35", "単位がありません"),
    ("0.35", "単位がありません"),
    ("35です", "単位がありません"),
    ("35人", "読み取れませんでした"),
    ("101%", "大きすぎます"),
    ("11割", "大きすぎます"),
    ("-5%", "負"),
    ("約30%", "「約」"),
    ("30%程度", "「程度」"),
    ("3割50分", "書き方"),
    ("3割0.5分", "書き方"),
    ("万割", "書き方"),
    ("30%と40%", "複数"),
    ("5分", "読み取れませんでした"),
]


@pytest.mark.parametrize(("text", "fragment"), PERCENT_ERRORS)
def test_parse_percent_rejects(text: str, fragment: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_percent(text)
    assert fragment in caught.value.message_ja
    assert caught.value.message_en


# --- find_* ---------------------------------------------------------------------------------------


def test_find_yen_amounts_in_a_sentence() -> None:
    text = "経費は8,000万円で、うち工事費が1,200万円です"
    assert find_yen_amounts(text) == [(80_000_000, "8,000万円"), (12_000_000, "1,200万円")]


FIND_YEN_CASES = [
    ("30トン削減、2025年度、第5回の公募", []),
    ("45,000,000の経費", []),
    ("人口1500万人、30万トン、100万台、1億kWh", []),
    ("一億総活躍、千葉県、一般", []),
    ("数千万円から何億円", []),
    ("十数万円", []),
    ("万円単位で", []),
    ("-100万円と▲5万円", []),
    ("0.5円", []),
    ("100兆円", []),
    ("1万5の差", []),
    ("CO2の1,50万円", []),
    ("約1,200万円", [(12_000_000, "1,200万円")]),
    ("予算は1500万で", [(15_000_000, "1500万")]),
    ("¥3,000と￥4,000", [(3_000, "¥3,000"), (4_000, "￥4,000")]),
    ("１，５００万円を", [(15_000_000, "１，５００万円")]),
    ("1000万〜2000万円", [(10_000_000, "1000万"), (20_000_000, "2000万円")]),
    ("1000-2000万円", [(20_000_000, "2000万円")]),
    ("千五百万円と2億4千万円", [(15_000_000, "千五百万円"), (240_000_000, "2億4千万円")]),
    ("1万5円", [(10_005, "1万5円")]),
]


@pytest.mark.parametrize(("text", "expected"), FIND_YEN_CASES)
def test_find_yen_amounts_needs_a_yen_marker(text: str, expected: list[tuple[int, str]]) -> None:
    assert find_yen_amounts(text) == expected


def test_find_yen_mentions_report_span_and_qualifier() -> None:
    text = "上限は約1,200万円、対象経費は1億円以上です"
    mentions = find_yen_mentions(text)
    assert mentions == [
        Mention(12_000_000, "1,200万円", 4, 11, "約"),
        Mention(100_000_000, "1億円", 17, 20, "以上"),
    ]
    assert all(text[m.start : m.end] == m.text for m in mentions)


def test_find_tonnes_and_percents() -> None:
    assert find_tonnes("年間30t-CO2、３千トン、30th、2030年、CO2") == [
        (Fraction(30), "30t-CO2"),
        (Fraction(3000), "３千トン"),
    ]
    assert find_percents("3割5分、35%、200%、数十%、十数%、役割、30 パーセント、5分") == [
        (Fraction(35), "3割5分"),
        (Fraction(35), "35%"),
        (Fraction(30), "30 パーセント"),
    ]
    assert find_tonne_mentions("約30トン") == [Mention(Fraction(30), "30トン", 1, 5, "約")]
    assert find_percent_mentions("30%強") == [Mention(Fraction(30), "30%", 0, 3, "強")]


# --- format_yen -----------------------------------------------------------------------------------

FORMAT_CASES = [
    (45_000_000, "4,500万円", "45,000,000円"),
    (8_000_000, "800万円", "8,000,000円"),
    (150_000_000, "1億5,000万円", "150,000,000円"),
    (12_345_678, "1,234万5,678円", "12,345,678円"),
    (100_000_005, "1億5円", "100,000,005円"),
    (999, "999円", "999円"),
    (0, "0円", "0円"),
    (MAX_YEN, "10兆円", "10,000,000,000,000円"),
]


@pytest.mark.parametrize(("amount", "japanese", "plain"), FORMAT_CASES)
def test_format_yen(amount: int, japanese: str, plain: str) -> None:
    assert format_yen(amount) == japanese
    assert format_yen_plain(amount) == plain


@pytest.mark.parametrize("formatter", [format_yen, format_yen_plain])
def test_format_yen_refuses_negative(formatter: object) -> None:
    assert callable(formatter)
    with pytest.raises(ValueError, match="non-negative"):
        formatter(-1)


# --- numerals -------------------------------------------------------------------------------------

NUMERAL_ERRORS = [
    "abc",
    "五5",
    "1 2",
    "1千0.5千",
    "万",
    "1千1500",
    "百千",
    "1万2億",
    "1億15,000万",
    "1万12345",
]


@pytest.mark.parametrize("numeral", NUMERAL_ERRORS)
def test_parse_numeral_rejects_malformed(numeral: str) -> None:
    with pytest.raises(NumeralError):
        parse_numeral(numeral)


def test_normalised_text_maps_spans_back() -> None:
    normal = normalise_text("約㌧１５")  # ㌧ becomes トン: two characters from one
    assert normal.text == "約トン15"
    assert normal.original_span(1, 3) == (1, 2)
    assert normal.original_span(3, 5) == (2, 4)


# --- properties -----------------------------------------------------------------------------------

amounts = st.integers(min_value=0, max_value=MAX_YEN)


@given(amounts)
@example(0)
@example(MAX_YEN)
@example(100_000_005)
def test_parse_yen_inverts_format_yen(amount: int) -> None:
    assert parse_yen(format_yen(amount)) == amount
    assert parse_yen(format_yen_plain(amount)) == amount


@given(amounts)
def test_find_yen_amounts_sees_formatted_amounts_in_a_sentence(amount: int) -> None:
    text = f"助成額は{format_yen(amount)}（{format_yen_plain(amount)}）です。"
    assert find_yen_amounts(text) == [(amount, format_yen(amount)), (amount, format_yen_plain(amount))]


@given(st.from_regex(r"[0-9]{1,13}", fullmatch=True))
def test_parse_yen_of_digits_with_en_is_int(digits: str) -> None:
    assert parse_yen(f"{digits}円") == int(digits)


@given(amounts)
def test_full_width_reads_like_half_width(amount: int) -> None:
    decimal = f"{amount // 100}.{amount % 100:02d}円"
    for text in (format_yen(amount), format_yen_plain(amount), f"¥{amount:,}", decimal):
        assert _outcome(parse_yen, text.translate(FULL_WIDTH)) == _outcome(parse_yen, text)


@given(st.integers(min_value=0, max_value=1000), st.sampled_from(["%", "t", "トン", "割"]))
def test_full_width_units_read_like_half_width(number: int, unit: str) -> None:
    text = f"{number}{unit}"
    parse = parse_tonnes if unit in ("t", "トン") else parse_percent
    assert _outcome(parse, text.translate(FULL_WIDTH)) == _outcome(parse, text)


NOISY = st.text(alphabet="0123456789,.万億兆千百十一二五〇円¥￥-▲約 ()%t割分トン数は年", max_size=14)


@given(NOISY)
@example("-0円")
@example("▲0")
def test_parsers_never_return_a_negative_and_errors_carry_both_messages(text: str) -> None:
    for parse in (parse_yen, parse_tonnes, parse_percent):
        try:
            value = parse(text)
        except ParseError as error:
            assert error.message_ja
            assert error.message_en
            if text.strip():
                assert text in error.message_ja
                assert text in error.message_en
        else:
            assert value >= 0


@given(NOISY)
def test_find_never_returns_a_negative_or_a_wrong_span(text: str) -> None:
    for mentions in (find_yen_mentions(text), find_tonne_mentions(text), find_percent_mentions(text)):
        for mention in mentions:
            assert mention.value >= 0
            assert text[mention.start : mention.end] == mention.text


def _outcome(parse: object, text: str) -> object:
    assert callable(parse)
    try:
        return parse(text)
    except ParseError as error:
        return type(error)
