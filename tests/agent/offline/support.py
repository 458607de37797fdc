"""The test helper for multi-turn dialogues with the offline engine."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from bot.agent.base import EngineReply, TurnContext
from bot.agent.offline import OfflineEngine
from bot.agent.toolkit import Toolkit
from bot.deps import Deps

AS_OF = dt.date(2026, 11, 24)


@dataclass
class Dialogue:
    """One session: each turn gets a fresh Toolkit; slot changes are applied between turns."""

    deps: Deps
    as_of: dt.date = AS_OF
    slots: dict[str, Any] = field(default_factory=dict)
    replies: list[EngineReply] = field(default_factory=list)
    engine: OfflineEngine = field(default_factory=OfflineEngine)

    def say(self, message: str) -> EngineReply:
        ctx = TurnContext(message=message, session_id="test", as_of=self.as_of, slots=dict(self.slots))
        reply = self.engine.respond(ctx, Toolkit(self.deps, self.as_of))
        for key, value in reply.slot_changes.items():
            if value is None:
                self.slots.pop(key, None)
            else:
                self.slots[key] = value
        self.replies.append(reply)
        return reply
