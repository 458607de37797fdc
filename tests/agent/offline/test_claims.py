"""A yes/no question confirming a rate or a cap is answered from the programme's categories."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from .support import Dialogue

MakeDialogue = Callable[..., Dialogue]


@pytest.mark.parametrize(
    ("message", "lead"),
    [
        # a named category, its own cap / rate
        ("ゼロエミの区分1の上限って4,500万円であってますか？", "**はい。**"),
        ("ゼロエミの区分2、助成率は4分の3だったよね？", "**いいえ。**"),
        # the category the stated facts meet (28 t or more: 区分1)
        ("ゼロエミで年30トン減らすなら、助成率は3/4で合ってる？", "**はい。**"),
        # no category named or decided: 2/3 is the rate of some categories only
        ("ゼロエミ省エネの助成率は3分の2でいいんですよね？", "**条件によります。**"),
        # the applicant's size picks the category of a programme with SME / large categories
        ("カーボンクレジット活用促進事業って、大企業だと上限100万円で合ってる？", "**はい。**"),
        ("SAF活用促進、中小企業なら上限は400万円だっけ？", "**いいえ。**"),
        ("Is the cap for category 2 of the zero-emission grant 25 million yen?", "**Yes.**"),
        ("Is the rate for category 3 of the zero-emission grant 3/4?", "**No.**"),
    ],
)
def test_a_stated_rate_or_cap_is_confirmed_or_corrected(
    dialogue: MakeDialogue, message: str, lead: str
) -> None:
    reply = dialogue().say(message)
    assert reply.answer.split("\n\n")[1] == lead
    assert "|" in reply.answer  # the rates-and-caps table shows the right figures


@pytest.mark.parametrize(
    ("message", "lead"),
    [
        # 10/10, up to the cap
        ("SAF活用促進、中小企業は上乗せ分を全額出してもらえる？", "**条件によります。**"),
        ("ゼロエミ省エネって工事代を全額出してもらえる？", "**いいえ。**"),  # 3/4 or 2/3
        ("ゼロエミの区分2で上限の2,500万円を満額もらうことってできる？", "**条件によります。**"),
    ],
)
def test_the_whole_cost_or_the_full_cap_depends_on_the_cap_and_the_costs(
    dialogue: MakeDialogue, message: str, lead: str
) -> None:
    assert dialogue().say(message).answer.split("\n\n")[1] == lead
