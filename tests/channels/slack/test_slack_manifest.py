"""slack/manifest.yaml asks for exactly what the code uses, at the URL the app mounts."""

from __future__ import annotations

from typing import Any

import yaml
from fakes.slack_api import MANIFEST_SCOPES

from bot.channels.slack import SLACK_EVENTS_PATH
from bot.channels.slack.app import COMMAND
from bot.channels.slack.check import REQUIRED_SCOPES
from bot.config import PROJECT_ROOT

MANIFEST = PROJECT_ROOT / "slack" / "manifest.yaml"


def manifest() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return data


def test_the_scopes_are_exactly_the_ones_used() -> None:
    expected = {
        "app_mentions:read",  # app_mention
        "channels:history",  # message.channels: staff replies in hand-off threads
        "channels:read",  # conversations.info (advisor slack --check)
        "chat:write",  # chat.postMessage, chat.postEphemeral, chat.update
        "commands",  # /hojokin
        "groups:history",  # message.groups: staff replies in a private hand-off channel
        "groups:read",  # conversations.info of a private channel
        "im:history",  # message.im
        "reactions:write",  # reactions.add: 👀 on a question
    }
    assert set(manifest()["oauth_config"]["scopes"]["bot"]) == expected
    assert expected == REQUIRED_SCOPES  # what `advisor slack --check` asks the token for
    assert set(MANIFEST_SCOPES) == expected  # what the fake Slack grants a correct install


def test_events_command_and_interactivity_point_at_the_mounted_route() -> None:
    data = manifest()
    settings = data["settings"]
    assert settings["event_subscriptions"]["bot_events"] == [
        "app_mention",
        "message.channels",
        "message.groups",
        "message.im",
    ]
    assert settings["interactivity"]["is_enabled"] is True
    [command] = data["features"]["slash_commands"]
    assert command["command"] == COMMAND
    urls = [
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
        command["url"],
    ]
    assert all(url.startswith("https://") and url.endswith(SLACK_EVENTS_PATH) for url in urls)
    assert data["features"]["app_home"]["messages_tab_enabled"] is True  # DMs to the bot


def test_the_texts_fit_slacks_limits() -> None:
    info = manifest()["display_information"]
    assert len(info["name"]) <= 35
    assert len(info["description"]) <= 140
    assert 175 <= len(info["long_description"]) <= 4000
