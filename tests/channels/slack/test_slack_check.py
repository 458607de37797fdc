"""``advisor slack --check`` against the fake Slack API: every misconfiguration is reported with
what to fix, in Japanese and English, and makes the command exit non-zero."""

from __future__ import annotations

import pytest
from fakes.slack_api import BOT_USER_ID, MANIFEST_SCOPES, TEAM_ID, FakeSlackApi

from bot.channels.slack.check import looks_like_channel_id
from bot.cli import main

from .support import SECRET

HANDOFF = "C0HANDOFF"


@pytest.fixture
def configured(clean_env: pytest.MonkeyPatch, slack: FakeSlackApi) -> pytest.MonkeyPatch:
    """Everything set as it should be, against the fake Slack."""
    clean_env.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    clean_env.setenv("SLACK_SIGNING_SECRET", SECRET)
    clean_env.setenv("SLACK_HANDOFF_CHANNEL", HANDOFF)
    clean_env.setenv("ADVISOR_SLACK_API_BASE_URL", slack.base_url)
    return clean_env


def check(capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["slack", "--check"])
    return code, capsys.readouterr().out


def line(out: str, start: str) -> str:
    """The result line that starts with ``start`` (e.g. ``[NG]   SLACK_HANDOFF_CHANNEL``) and the
    lines under it (its English, and what to fix)."""
    lines = out.splitlines()
    for index, text in enumerate(lines):
        if text.startswith(start):
            block = [text]
            block += _until_next(lines[index + 1 :])
            return "\n".join(block)
    raise AssertionError(f"no line starting with {start!r} in:\n{out}")


def _until_next(lines: list[str]) -> list[str]:
    block = []
    for text in lines:
        if text.startswith(("[", "問題が", "すべて")):
            break
        block.append(text)
    return block


def test_a_correct_setup_passes_every_check(
    configured: pytest.MonkeyPatch, slack: FakeSlackApi, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = check(capsys)

    assert code == 0, out
    assert "[NG]" not in out and "[WARN]" not in out
    assert TEAM_ID in line(out, "[OK]   SLACK_BOT_TOKEN") and BOT_USER_ID in out
    assert "[OK]   SLACK_SIGNING_SECRET" in out
    assert "[OK]   scopes" in out
    assert "#staff-handoff (C0HANDOFF)" in line(out, "[OK]   SLACK_HANDOFF_CHANNEL")
    assert "すべて問題ありません / everything is in order" in out
    [auth] = slack.calls_to("auth.test")
    assert auth.headers["authorization"] == "Bearer xoxb-test"
    [info] = slack.calls_to("conversations.info")
    assert info.body["channel"] == HANDOFF


@pytest.mark.parametrize("name", ["#staff", "staff-handoff", "c0handoff"])
def test_a_channel_name_instead_of_an_id_is_explained(
    configured: pytest.MonkeyPatch, slack: FakeSlackApi, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    configured.setenv("SLACK_HANDOFF_CHANNEL", name)

    code, out = check(capsys)

    assert code == 1
    report = line(out, "[NG]   SLACK_HANDOFF_CHANNEL")
    assert f"「{name}」はチャンネルIDではありません" in report
    assert "スタッフの返信はお客様に届きません" in report and "never reach the customer" in report
    assert "概要" in report and "About tab" in report  # where to find the ID
    assert slack.calls_to("conversations.info") == []
    assert "問題が 1 件あります / 1 problem(s) to fix" in out


def test_an_unknown_channel_or_a_private_one_without_the_bot(
    configured: pytest.MonkeyPatch, slack: FakeSlackApi, capsys: pytest.CaptureFixture[str]
) -> None:
    configured.setenv("SLACK_HANDOFF_CHANNEL", "G0PRIVATE1")

    code, out = check(capsys)

    assert code == 1
    report = line(out, "[NG]   SLACK_HANDOFF_CHANNEL")
    assert "G0PRIVATE1 が見つかりません" in report and "not found" in report
    assert "/invite @hojokin-advisor" in report


def test_the_bot_not_in_the_channel(
    configured: pytest.MonkeyPatch, slack: FakeSlackApi, capsys: pytest.CaptureFixture[str]
) -> None:
    slack.channels[HANDOFF]["is_member"] = False

    code, out = check(capsys)

    assert code == 1
    report = line(out, "[NG]   SLACK_HANDOFF_CHANNEL")
    assert "メンバーではありません" in report and "not a member of #staff-handoff" in report
    assert "→ 対処: そのチャンネルで `/invite @hojokin-advisor`" in report


def test_a_private_channel_with_the_bot_passes(
    configured: pytest.MonkeyPatch, slack: FakeSlackApi, capsys: pytest.CaptureFixture[str]
) -> None:
    slack.channels["G0PRIVATE1"] = {"name": "staff-private", "is_private": True, "is_member": True}
    configured.setenv("SLACK_HANDOFF_CHANNEL", "G0PRIVATE1")

    code, out = check(capsys)

    assert code == 0, out
    assert "非公開 / private" in line(out, "[OK]   SLACK_HANDOFF_CHANNEL")


def test_an_archived_channel(
    configured: pytest.MonkeyPatch, slack: FakeSlackApi, capsys: pytest.CaptureFixture[str]
) -> None:
    slack.channels[HANDOFF]["is_archived"] = True

    code, out = check(capsys)

    assert code == 1 and "アーカイブされています" in line(out, "[NG]   SLACK_HANDOFF_CHANNEL")


def test_missing_scopes_are_named(
    configured: pytest.MonkeyPatch, slack: FakeSlackApi, capsys: pytest.CaptureFixture[str]
) -> None:
    slack.scopes = [s for s in MANIFEST_SCOPES if s not in ("groups:history", "channels:read")]

    code, out = check(capsys)

    assert code == 1
    report = line(out, "[NG]   scopes")
    assert "スコープが足りません: channels:read, groups:history" in report
    assert "missing scopes: channels:read, groups:history" in report
    assert "再インストール" in report and "reinstall" in report


def test_the_user_group_allowlist_needs_its_scope(
    configured: pytest.MonkeyPatch, slack: FakeSlackApi, capsys: pytest.CaptureFixture[str]
) -> None:
    configured.setenv("ADVISOR_SLACK_ALLOWED_USERGROUPS", "S0ADVISORS")

    code, out = check(capsys)
    slack.scopes = [*MANIFEST_SCOPES, "usergroups:read"]
    code_with_scope, out_with_scope = check(capsys)

    assert code == 1 and "usergroups:read" in line(out, "[NG]   scopes")
    assert code_with_scope == 0, out_with_scope


def test_without_the_scopes_header_the_scopes_are_a_warning(
    configured: pytest.MonkeyPatch, slack: FakeSlackApi, capsys: pytest.CaptureFixture[str]
) -> None:
    slack.scopes = None

    code, out = check(capsys)

    assert code == 0
    assert "chat:write" in line(out, "[WARN] scopes")


def test_conversations_info_without_its_scope(
    configured: pytest.MonkeyPatch, slack: FakeSlackApi, capsys: pytest.CaptureFixture[str]
) -> None:
    slack.fail("conversations.info", "missing_scope")

    code, out = check(capsys)

    assert code == 1
    assert "channels:read / groups:read" in line(out, "[NG]   SLACK_HANDOFF_CHANNEL")


def test_a_refused_token_stops_the_checks_that_need_it(
    configured: pytest.MonkeyPatch, slack: FakeSlackApi, capsys: pytest.CaptureFixture[str]
) -> None:
    slack.fail("auth.test", "invalid_auth")

    code, out = check(capsys)

    assert code == 1
    report = line(out, "[NG]   SLACK_BOT_TOKEN")
    assert "Slack に接続できませんでした（invalid_auth）" in report
    assert "Bot User OAuth Token" in report
    assert slack.calls_to("conversations.info") == []
    assert "[OK]   SLACK_SIGNING_SECRET" in out  # what needs no API is still checked


def test_an_unreachable_slack(configured: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    configured.setenv("ADVISOR_SLACK_API_BASE_URL", "http://127.0.0.1:9/api/")
    configured.setenv("ADVISOR_SLACK_MAX_RETRIES", "0")

    code, out = check(capsys)

    assert code == 1
    assert "ADVISOR_SLACK_API_BASE_URL" in line(out, "[NG]   SLACK_BOT_TOKEN")


def test_nothing_set_says_what_to_set_without_calling_slack(
    clean_env: pytest.MonkeyPatch, slack: FakeSlackApi, capsys: pytest.CaptureFixture[str]
) -> None:
    clean_env.setenv("ADVISOR_SLACK_API_BASE_URL", slack.base_url)

    code, out = check(capsys)

    assert code == 1
    assert "xoxb-" in line(out, "[NG]   SLACK_BOT_TOKEN")
    assert "Signing Secret" in line(out, "[NG]   SLACK_SIGNING_SECRET")
    assert "503" in line(out, "[NG]   SLACK_HANDOFF_CHANNEL")
    assert "問題が 3 件あります" in out
    assert slack.calls == []


def test_allowlist_entries_must_be_ids(
    configured: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    configured.setenv("ADVISOR_SLACK_ALLOWED_CHANNELS", "C0SUPPORT,#general")
    configured.setenv("ADVISOR_SLACK_ALLOWED_USERGROUPS", "@advisors")

    code, out = check(capsys)

    assert code == 1
    assert "#general" in line(out, "[NG]   ADVISOR_SLACK_ALLOWED_CHANNELS") and "C0SUPPORT" not in out
    assert "@advisors" in line(out, "[NG]   ADVISOR_SLACK_ALLOWED_USERGROUPS")


def test_channel_ids() -> None:
    assert looks_like_channel_id("C0HANDOFF") and looks_like_channel_id("G01ABCDEF9")
    assert not any(map(looks_like_channel_id, ["#staff", "staff", "c0handoff", "D0STAFFDM", "C1"]))
