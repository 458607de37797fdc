"""``advisor slack --check``: is the Slack side set up so that every feature works?

:func:`run_checks` returns one :class:`CheckResult` per item, each with what to fix, in Japanese
and English:

* the secrets: ``SLACK_BOT_TOKEN`` (every mode) and ``SLACK_SIGNING_SECRET`` (HTTP mode, and the
  website hand-off in either mode);
* the token works (``auth.test``: the workspace and the bot user);
* the token was granted every scope ``slack/manifest.yaml`` asks for (:data:`REQUIRED_SCOPES`,
  read from the ``x-oauth-scopes`` header Slack sends with every Web API answer), plus
  ``usergroups:read`` when ``ADVISOR_SLACK_ALLOWED_USERGROUPS`` is set;
* ``SLACK_HANDOFF_CHANNEL`` is a channel **ID** (``C…``/``G…``): with a name such as ``#staff`` the
  summaries are posted but the staff replies, whose events carry the ID, never reach the
  customer — the channel exists (``conversations.info``), is not archived, and the bot is a
  member;
* the allowlist entries are IDs (a channel name or a user-group handle never matches).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from slack_sdk.errors import SlackApiError

from bot.channels.slack.client import TRANSPORT_ERRORS, build_web_client

if TYPE_CHECKING:
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.config import Settings

# The bot scopes of slack/manifest.yaml (tests/channels/slack/test_slack_manifest.py keeps the two equal).
REQUIRED_SCOPES = frozenset(
    {
        "app_mentions:read",  # app_mention: questions in channels
        "channels:history",  # message.channels: staff replies in a public hand-off channel
        "channels:read",  # conversations.info of a public channel (this check)
        "chat:write",  # chat.postMessage / chat.postEphemeral / chat.update
        "commands",  # /hojokin
        "groups:history",  # message.groups: staff replies in a private hand-off channel
        "groups:read",  # conversations.info of a private channel (this check)
        "im:history",  # message.im: questions in DMs
        "reactions:write",  # reactions.add: 👀 on a question while the advisor works
    }
)
USERGROUPS_SCOPE = "usergroups:read"  # only with ADVISOR_SLACK_ALLOWED_USERGROUPS
CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{6,}$")
CONVERSATION_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")
USERGROUP_ID = re.compile(r"^S[A-Z0-9]{6,}$")
TOKEN_ERRORS = frozenset({"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"})
REINSTALL_JA = "Slack アプリ設定の OAuth & Permissions でスコープを追加し（manifest を貼り直すのが確実）、ワークスペースに再インストールしてください。"  # noqa: E501
REINSTALL_EN = "add them under OAuth & Permissions (pasting slack/manifest.yaml again is surest) and reinstall the app to the workspace."  # noqa: E501
INVITE_JA = "そのチャンネルで `/invite @hojokin-advisor` を実行してボットを招待してください。"
INVITE_EN = "invite the bot: run `/invite @hojokin-advisor` in that channel."

Status = Literal["ok", "fail", "warn"]


@dataclass(frozen=True)
class CheckResult:
    """One item: its status, what was found (ja / en) and, unless ok, what to do (ja / en)."""

    status: Status
    item: str
    ja: str
    en: str
    fix_ja: str = ""
    fix_en: str = ""

    @property
    def failed(self) -> bool:
        return self.status == "fail"


def looks_like_channel_id(value: str) -> bool:
    """``C0123ABCD`` / ``G0123ABCD`` (not ``#staff``, ``staff`` or a lower-case name)."""
    return bool(CHANNEL_ID.match(value))


async def run_checks(settings: Settings, client: AsyncWebClient | None = None) -> list[CheckResult]:
    """Every check, in the order an operator fixes them (nothing is fixed or posted)."""
    results = [_signing_secret(settings)]
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else ""
    if not token:
        results.insert(
            0,
            CheckResult(
                "fail",
                "SLACK_BOT_TOKEN",
                "設定されていません。",
                "not set.",
                "OAuth & Permissions の Bot User OAuth Token（xoxb-…）を"
                " SLACK_BOT_TOKEN に設定してください。",
                "set it to the Bot User OAuth Token (xoxb-…) from OAuth & Permissions.",
            ),
        )
        return [*results, *_handoff_format(settings), *_allowlist(settings)]
    client = client or build_web_client(settings)
    identity, headers = await _auth_test(client)
    results.insert(0, identity)
    if identity.failed:
        return [*results, *_handoff_format(settings), *_allowlist(settings)]
    results.append(_scopes(settings, headers))
    handoff = _handoff_format(settings)
    if handoff:
        results += handoff
    else:
        results.append(await _handoff_channel(client, (settings.slack_handoff_channel or "").strip()))
    return [*results, *_allowlist(settings)]


def _signing_secret(settings: Settings) -> CheckResult:
    secret = settings.slack_signing_secret
    if secret is not None and secret.get_secret_value():
        return CheckResult("ok", "SLACK_SIGNING_SECRET", "設定されています。", "set.")
    return CheckResult(
        "fail",
        "SLACK_SIGNING_SECRET",
        "設定されていません（HTTP モードの POST /slack/events と、Socket Mode でも Web からの"
        "担当者への引き継ぎに必要です）。",
        "not set (needed by HTTP mode's POST /slack/events, and by the website hand-off in either mode).",
        "Basic Information → App Credentials の Signing Secret を SLACK_SIGNING_SECRET に設定してください。",
        "set it to the Signing Secret under Basic Information → App Credentials.",
    )


async def _auth_test(client: AsyncWebClient) -> tuple[CheckResult, dict[str, Any]]:
    try:
        response = await client.auth_test()
    except SlackApiError as exc:
        error = str(exc.response.get("error", "unknown_error"))
        fix_ja, fix_en = (
            (
                "OAuth & Permissions の Bot User OAuth Token（xoxb-…）をコピーし直してください"
                "（取り消された場合はアプリを再インストール）。",
                "copy the Bot User OAuth Token (xoxb-…) from OAuth & Permissions again "
                "(reinstall the app if it was revoked).",
            )
            if error in TOKEN_ERRORS
            else ("SLACK_BOT_TOKEN を確認してください。", "check SLACK_BOT_TOKEN.")
        )
        message_ja, message_en = f"Slack に接続できませんでした（{error}）。", f"auth.test failed: {error}."
        return CheckResult("fail", "SLACK_BOT_TOKEN", message_ja, message_en, fix_ja, fix_en), {}
    except TRANSPORT_ERRORS as exc:
        name = type(exc).__name__
        return (
            CheckResult(
                "fail",
                "SLACK_BOT_TOKEN",
                f"Slack に接続できませんでした（{name}）。",
                f"could not reach Slack ({name}).",
                "ネットワーク（プロキシ・ファイアウォール）と"
                " ADVISOR_SLACK_API_BASE_URL を確認してください。",
                "check the network (proxy, firewall) and ADVISOR_SLACK_API_BASE_URL.",
            ),
            {},
        )
    data = response.data if isinstance(response.data, dict) else {}
    team, bot = f"{data.get('team')} ({data.get('team_id')})", f"{data.get('user')} ({data.get('user_id')})"
    result = CheckResult(
        "ok",
        "SLACK_BOT_TOKEN",
        f"接続できました: ワークスペース {team}、ボット {bot}。",
        f"connected: workspace {team}, bot {bot}.",
    )
    return result, dict(response.headers)


def _scopes(settings: Settings, headers: dict[str, Any]) -> CheckResult:
    needed = set(REQUIRED_SCOPES)
    if settings.slack_allowed_usergroups:
        needed.add(USERGROUPS_SCOPE)
    header = next((str(v) for k, v in headers.items() if k.lower() == "x-oauth-scopes"), None)
    if header is None:
        return CheckResult(
            "warn",
            "scopes",
            "付与されたスコープを確認できませんでした（x-oauth-scopes がありません）。",
            "could not read the granted scopes (no x-oauth-scopes header).",
            f"OAuth & Permissions に次があるか確認してください: {', '.join(sorted(needed))}",
            f"check that OAuth & Permissions lists: {', '.join(sorted(needed))}",
        )
    granted = {scope.strip() for scope in header.split(",") if scope.strip()}
    missing = sorted(needed - granted)
    if not missing:
        return CheckResult(
            "ok", "scopes", "必要なスコープはすべて付与されています。", "every scope needed is granted."
        )
    listed = ", ".join(missing)
    return CheckResult(
        "fail",
        "scopes",
        f"スコープが足りません: {listed}",
        f"missing scopes: {listed}",
        REINSTALL_JA,
        REINSTALL_EN,
    )


def _handoff_format(settings: Settings) -> list[CheckResult]:
    """A failure when SLACK_HANDOFF_CHANNEL is unset or not an ID; [] when it looks right."""
    channel = (settings.slack_handoff_channel or "").strip()
    fix_ja = (
        "チャンネル名ではなくチャンネルID（C… または G…）を設定してください。ID はチャンネル名をクリック → "
        "詳細の「概要」タブのいちばん下にあります。"
    )
    fix_en = (
        "set the channel ID (C… or G…), not its name: click the channel name → the bottom of the "
        "About tab shows it."
    )
    if not channel:
        return [
            CheckResult(
                "fail",
                "SLACK_HANDOFF_CHANNEL",
                "設定されていません。Web からの「担当者に相談する」は 503 になり、"
                "問い合わせ窓口が表示されます。",
                "not set: the website's hand-off answers 503 and shows the programmes' contact desks.",
                fix_ja,
                fix_en,
            )
        ]
    if looks_like_channel_id(channel):
        return []
    return [
        CheckResult(
            "fail",
            "SLACK_HANDOFF_CHANNEL",
            f"「{channel}」はチャンネルIDではありません（名前のようです）。要約は投稿されても、"
            "スタッフの返信はお客様に届きません（Slack は返信をIDで知らせるため）。",
            f'"{channel}" is not a channel ID (it looks like a name): summaries would be posted, but '
            "staff replies would never reach the customer (Slack reports them by ID).",
            fix_ja,
            fix_en,
        )
    ]


async def _handoff_channel(client: AsyncWebClient, channel: str) -> CheckResult:
    item = "SLACK_HANDOFF_CHANNEL"
    try:
        response = await client.conversations_info(channel=channel)
    except SlackApiError as exc:
        error = str(exc.response.get("error", "unknown_error"))
        if error == "channel_not_found":
            return CheckResult(
                "fail",
                item,
                f"チャンネル {channel} が見つかりません"
                "（存在しないか、ボットが招待されていない非公開チャンネルです）。",
                f"channel {channel} not found (no such channel, or a private channel the bot is not in).",
                f"ID を確認してください。非公開チャンネルなら、{INVITE_JA}",
                f"check the ID; for a private channel, {INVITE_EN}",
            )
        if error == "missing_scope":
            return CheckResult(
                "fail",
                item,
                "チャンネル情報を読めません（channels:read / groups:read がありません）。",
                "cannot read the channel (no channels:read / groups:read scope).",
                REINSTALL_JA,
                REINSTALL_EN,
            )
        return _info_failed(channel, error)
    except TRANSPORT_ERRORS as exc:
        return _info_failed(channel, type(exc).__name__)
    info = response.get("channel") or {}
    name = f"#{info.get('name', '?')} ({channel}{', 非公開 / private' if info.get('is_private') else ''})"
    if info.get("is_archived"):
        return CheckResult(
            "fail",
            item,
            f"{name} はアーカイブされています。",
            f"{name} is archived.",
            "アーカイブを解除するか、別のチャンネルのIDを設定してください。",
            "unarchive it or set another channel's ID.",
        )
    if not info.get("is_member"):
        return CheckResult(
            "fail",
            item,
            f"ボットは {name} のメンバーではありません（要約を投稿できず、返信も受け取れません）。",
            f"the bot is not a member of {name} (it cannot post summaries nor receive replies).",
            INVITE_JA,
            INVITE_EN,
        )
    return CheckResult("ok", item, f"{name} にボットが参加しています。", f"the bot is a member of {name}.")


def _info_failed(channel: str, error: str) -> CheckResult:
    return CheckResult(
        "fail",
        "SLACK_HANDOFF_CHANNEL",
        f"チャンネル {channel} を確認できませんでした（conversations.info: {error}）。",
        f"could not look up channel {channel} (conversations.info: {error}).",
        "もう一度実行し、続くときはトークンとネットワークを確認してください。",
        "run the check again; if it persists, check the token and the network.",
    )


def _allowlist(settings: Settings) -> list[CheckResult]:
    bad_channels = [c for c in settings.slack_allowed_channels if not CONVERSATION_ID.match(c)]
    bad_groups = [g for g in settings.slack_allowed_usergroups if not USERGROUP_ID.match(g)]
    results = []
    if bad_channels:
        listed = ", ".join(bad_channels)
        results.append(
            CheckResult(
                "fail",
                "ADVISOR_SLACK_ALLOWED_CHANNELS",
                f"チャンネルIDではない値があります: {listed}"
                "（名前は一致しないため、そこでは誰も質問できません）。",
                f"not channel IDs: {listed} (a name never matches, so nobody can ask there).",
                "チャンネルIDを（C…/G…/D…、カンマ区切りで）設定してください。",
                "list channel IDs (C…/G…/D…, comma-separated).",
            )
        )
    if bad_groups:
        listed = ", ".join(bad_groups)
        results.append(
            CheckResult(
                "fail",
                "ADVISOR_SLACK_ALLOWED_USERGROUPS",
                f"ユーザーグループIDではない値があります: {listed}。",
                f"not user-group IDs: {listed}.",
                "ユーザーグループのID（S…）を設定してください（@ハンドルではなく）。",
                "list user-group IDs (S…), not their @handles.",
            )
        )
    return results
