"""Small messages: errors, notices, thanks, the shared notice, follow-up prompts and the help."""

from __future__ import annotations

from bot.channels.slack.render.answer import question_line
from bot.channels.slack.render.blocks import context, section
from bot.channels.slack.render.limits import SLACK_ID, SlackMessage, escape, notification, truncate

ERROR_TEXT = "申し訳ありません。回答中にエラーが発生しました。"
ERROR_RETRY = "しばらくしてからもう一度お試しください。"
THANKS_TEXT = "フィードバックありがとうございます"
SHARED_TEXT = "✅ この回答をチャンネルに共有しました。"
REASON_SHOWN_MAX = 500
HELP_FALLBACK_MENTION = "@アドバイザー"


def render_error(detail: str | None = None, *, question: str | None = None) -> SlackMessage:
    """「申し訳ありません。回答中にエラーが発生しました…」 with the user-facing reason when known,
    headed by the ``question`` it was for (``/hojokin``: Slack does not show the command's text)."""
    text = f"{ERROR_TEXT}{detail}" if detail else f"{ERROR_TEXT}{ERROR_RETRY}"
    blocks = [context([question_line(question)])] if question else []
    blocks.append(section(f"⚠️ {escape(text)}"))
    return SlackMessage(text=notification(text), blocks=blocks)


def render_notice(text: str) -> SlackMessage:
    """A one-line message (plain text, escaped)."""
    return SlackMessage(text=notification(text), blocks=[section(escape(text))])


def render_thanks(reason: str | None = None) -> SlackMessage:
    """「フィードバックありがとうございます」, repeating the reason given for a 👎 (escaped)."""
    blocks = [section(f"🙏 {THANKS_TEXT}")]
    if reason and reason.strip():
        blocks.append(context([f"いただいた理由: 「{escape(truncate(reason.strip(), REASON_SHOWN_MAX))}」"]))
    return SlackMessage(text=THANKS_TEXT, blocks=blocks)


def render_shared_notice() -> SlackMessage:
    return SlackMessage(text=SHARED_TEXT, blocks=[context([SHARED_TEXT])])


def render_follow_up_prompt(question: str, *, reply_hint: str) -> SlackMessage:
    """A follow-up question posted into the thread, for the staff member to ask the customer."""
    text = f"❓ *確認事項*: {escape(question)}\n{reply_hint}"
    return SlackMessage(text=notification(f"確認事項: {question}"), blocks=[section(text)])


def render_help(command: str = "/hojokin", bot_user_id: str | None = None) -> SlackMessage:
    """How to use the bot, in Japanese. With the bot's user id (as Slack gave it, ``[A-Z0-9]+``)
    the help shows a real mention of the bot (``<@U…>``, rendered as its name), outside code
    spans so that Slack renders it; without one, 「@アドバイザー」."""
    valid = bool(bot_user_id and SLACK_ID.fullmatch(bot_user_id))
    ask = f"<@{bot_user_id}>" if valid else HELP_FALLBACK_MENTION
    command = escape(command)
    lines = [
        "*脱炭素補助金アドバイザーの使い方*",
        f"• `{command} &lt;質問&gt;` — 質問に回答します"
        "（あなたにだけ表示。「チャンネルに共有」で共有できます）",
        f"  例: `{command} 省エネ設備の更新に使える補助金はありますか？経費は1,200万円です`",
        f"• `{command} status [制度ID]` — 各制度の受付状況（本日時点）",
        f"• `{command} calc &lt;制度ID&gt; key=value …` — 助成額を計算",
        f"  例: `{command} calc &lt;制度ID&gt; category=1 eligible_cost=8000万円`（制度IDは status に表示）",
        f"• `{command} help` — この説明",
        f"• チャンネルでは {ask} をメンションして質問すると（例: {ask} 東京都の省エネ助成は？）、"
        "スレッドで回答します。同じスレッドで続けて質問すると、前の内容をふまえて答えます。"
        "DMでも質問できます。",
    ]
    text = "\n".join(lines)
    return SlackMessage(text="脱炭素補助金アドバイザーの使い方", blocks=[section(text)])
