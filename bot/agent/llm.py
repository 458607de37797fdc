"""The LLM engine: a tool-calling agent (LangChain ``create_agent`` on LangGraph) over the Toolkit.

The model reads the conversation, calls the advisor's tools and writes the Japanese answer; every
yen amount, rate, cap and date in that answer comes from a tool result (the system prompt says
so, and the toolkit records each call and citation for the grounding guard). Per turn the agent
is capped in tool rounds (after ``llm_max_tool_rounds`` the model must answer) and in tokens
(``llm_token_budget``: usage metadata when the provider reports it, else a chars/2 estimate; when
spent, the turn ends with the tool results so far). A provider that times out, cannot be reached
or fails with HTTP 5xx after the client's retries raises :class:`LlmUnavailableError`, and
``bot.advisor`` answers with the offline engine instead.

LangChain is imported inside functions: ``import bot.agent.llm`` stays cheap.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

from bot.agent.base import EngineReply, HistoryMessage, TurnContext
from bot.agent.prompts import system_prompt
from bot.agent.providers import (
    LlmConfigError,
    LlmSpec,
    LlmUnavailableError,
    build_chat_model,
    classify_provider_error,
    parse_llm_spec,
)
from bot.agent.tools import PROGRESS_LABELS
from bot.models import Citation

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import AIMessage, BaseMessage
    from langgraph.graph.state import CompiledStateGraph

    from bot.agent.toolkit import Toolkit
    from bot.config import Settings
    from bot.deps import Deps

__all__ = [
    "AgentEvent",
    "LlmConfigError",
    "LlmEngine",
    "LlmUnavailableError",
    "build_chat_model",
    "build_graph",
]

LIMIT_KEY = "advisor_limit"
FINAL_ROUND_NOTE = (
    "## 最後の回答\nツールを使える回数の上限に達しました。これ以上ツールは呼ばず、"
    "ここまでのツールの結果だけを使って回答してください。"
)
LIMIT_PREFIX = "（処理の上限に達したため、ここまでに確認できた結果をお伝えします）"
NOTHING_FOUND = "申し訳ありません。回答をまとめられませんでした。質問を分けて、もう一度お尋ねください。"
ASKING_MARKS = ("？", "?", "教えてください", "お知らせください", "お聞かせください")
MAX_FOLLOW_UPS = 3
EventType = Literal["tool_start", "tool_end", "text", "final"]


class AgentEvent(BaseModel):
    """A progress event of a streamed turn (for the web API)."""

    model_config = ConfigDict(frozen=True)

    type: EventType
    tool: str | None = None
    label: str | None = None
    text: str = ""
    ok: bool | None = None
    reply: EngineReply | None = None


# --- token and round accounting (pure; the middleware below applies it) ---------------------


def message_chars(message: BaseMessage) -> int:
    """Characters of a message: its text and the JSON of its tool calls."""
    calls = getattr(message, "tool_calls", None) or []
    return len(message.text) + (len(json.dumps(calls, ensure_ascii=False)) if calls else 0)


def turn_start(messages: Sequence[BaseMessage]) -> int:
    """Index of the first message after the turn's (last) user message."""
    for index in range(len(messages) - 1, -1, -1):
        if messages[index].type == "human":
            return index + 1
    return 0


def tool_rounds(messages: Sequence[BaseMessage]) -> int:
    """Model replies of this turn that asked for tools."""
    return sum(
        1 for m in messages[turn_start(messages) :] if m.type == "ai" and getattr(m, "tool_calls", None)
    )


def tokens_used(messages: Sequence[BaseMessage], prefix_chars: int) -> int:
    """Input+output tokens of this turn's model calls.

    A reply's ``usage_metadata`` when the provider reported it; otherwise an estimate of chars/2
    for what the model read (``prefix_chars`` — system prompt and tool schemas — plus every
    earlier message) and what it wrote.
    """
    used = 0
    seen_chars = prefix_chars
    start = turn_start(messages)
    for index, message in enumerate(messages):
        chars = message_chars(message)
        if index >= start and message.type == "ai":
            usage = getattr(message, "usage_metadata", None)
            if usage:
                used += int(usage.get("total_tokens") or usage["input_tokens"] + usage["output_tokens"])
            else:
                used += seen_chars // 2 + chars // 2
        seen_chars += chars
    return used


@dataclass(frozen=True)
class TurnLimits:
    """The per-turn caps of the agent loop."""

    max_tool_rounds: int
    token_budget: int
    prefix_chars: int = 0

    @property
    def recursion_limit(self) -> int:
        """LangGraph steps: a model and a tools step per round, the final answer, and slack."""
        return 2 * self.max_tool_rounds + 6


def _limits_middleware(limits: TurnLimits) -> Any:
    """A middleware enforcing ``limits`` around every model call (LangChain imported here)."""
    from langchain.agents.middleware import AgentMiddleware, ModelRequest, ModelResponse
    from langchain_core.messages import AIMessage, SystemMessage

    class TurnLimitsMiddleware(AgentMiddleware):
        """Stops at the token budget; after the last tool round, the model must answer."""

        def wrap_model_call(self, request: ModelRequest, handler: Any) -> Any:
            messages = request.messages
            if tokens_used(messages, limits.prefix_chars) >= limits.token_budget:
                return AIMessage(content="", response_metadata={LIMIT_KEY: "token_budget"})
            if tool_rounds(messages) < limits.max_tool_rounds:
                return handler(request)
            base = request.system_prompt or ""
            final = request.override(system_message=SystemMessage(content=f"{base}\n\n{FINAL_ROUND_NOTE}"))
            response: ModelResponse = handler(final)
            replies = [m for m in response.result if isinstance(m, AIMessage)]
            if replies and replies[-1].tool_calls:  # it asked for tools anyway: keep only its text
                return AIMessage(content=replies[-1].text, response_metadata={LIMIT_KEY: "tool_rounds"})
            return response

    return TurnLimitsMiddleware()


# --- the graph -----------------------------------------------------------------------------


def known_facts_section(slots: Mapping[str, Any]) -> str:
    """The facts learnt earlier in the session, for the system prompt ('' when none)."""
    facts = {key: value for key, value in slots.items() if value is not None}
    if not facts:
        return ""
    body = json.dumps(facts, ensure_ascii=False, default=str)
    return f"\n## この会話で分かっている事実（利用者の回答。再度尋ねないでください）\n{body}\n"


def build_graph(
    deps: Deps,
    toolkit: Toolkit,
    model: BaseChatModel,
    *,
    known_facts: Mapping[str, Any] | None = None,
    settings: Settings | None = None,
) -> CompiledStateGraph[Any, Any, Any, Any]:
    """The agent over ``toolkit``'s tools, with the system prompt for ``toolkit.as_of`` and the limits.

    The limits come from ``settings`` (default ``deps.settings``); invoke the graph with
    ``config={"recursion_limit": graph_limits(settings).recursion_limit}``.
    """
    from langchain.agents import create_agent
    from langchain_core.utils.function_calling import convert_to_openai_tool

    from bot.agent.tools import build_langchain_tools

    tools = build_langchain_tools(toolkit)
    programmes = [(p.id, p.name.value, p.kind) for p in deps.knowledge.programmes.values()]
    prompt = system_prompt(toolkit.as_of, programmes).text + known_facts_section(known_facts or {})
    schema_chars = sum(len(json.dumps(convert_to_openai_tool(t), ensure_ascii=False)) for t in tools)
    settings = settings or deps.settings
    limits = TurnLimits(
        max_tool_rounds=settings.llm_max_tool_rounds,
        token_budget=settings.llm_token_budget,
        prefix_chars=len(prompt) + schema_chars,
    )
    return create_agent(model, tools, system_prompt=prompt, middleware=[_limits_middleware(limits)])


def graph_limits(settings: Settings) -> TurnLimits:
    return TurnLimits(max_tool_rounds=settings.llm_max_tool_rounds, token_budget=settings.llm_token_budget)


def history_messages(history: Sequence[HistoryMessage], char_budget: int) -> list[BaseMessage]:
    """The most recent messages that fit ``char_budget`` characters, oldest first.

    Staff messages become assistant messages marked 「担当者」; system notes are left out.
    """
    from langchain_core.messages import AIMessage, HumanMessage

    kept: list[BaseMessage] = []
    total = 0
    for item in reversed(history):
        if item.role == "system" or not item.content.strip():
            continue
        total += len(item.content)
        if total > char_budget:
            break
        if item.role == "user":
            kept.append(HumanMessage(content=item.content))
        elif item.role == "staff":
            kept.append(AIMessage(content=f"（担当者）{item.content}"))
        else:
            kept.append(AIMessage(content=item.content))
    kept.reverse()
    return kept


# --- the engine ----------------------------------------------------------------------------


class LlmEngine:
    """The Engine contract over a tool-calling chat model."""

    def __init__(self, settings: Settings, model: BaseChatModel | None = None) -> None:
        self.settings = settings
        self.spec: LlmSpec | None = parse_llm_spec(settings.llm) if settings.llm else None
        self.model: BaseChatModel = model if model is not None else build_chat_model(settings)

    @property
    def mode(self) -> str:
        if self.spec is not None:
            return self.spec.mode
        name = getattr(self.model, "model_name", None) or type(self.model).__name__
        return f"llm:custom:{name}"

    # --- one turn ----------------------------------------------------------------------

    def _prepare(self, ctx: TurnContext, toolkit: Toolkit) -> tuple[Any, dict[str, Any], dict[str, Any]]:
        from langchain_core.messages import HumanMessage

        graph = build_graph(toolkit.deps, toolkit, self.model, known_facts=ctx.slots, settings=self.settings)
        messages = history_messages(ctx.history, self.settings.history_char_budget)
        messages.append(HumanMessage(content=ctx.message))
        config = {"recursion_limit": graph_limits(self.settings).recursion_limit}
        return graph, {"messages": messages}, config

    def respond(self, ctx: TurnContext, toolkit: Any) -> EngineReply:
        """Run the agent loop for one turn; LlmUnavailableError if the provider fails."""
        from langgraph.errors import GraphRecursionError

        graph, state, config = self._prepare(ctx, toolkit)
        try:
            result = graph.invoke(state, config)
        except GraphRecursionError:
            return self._reply(toolkit, None)
        except Exception as exc:
            error = _unavailable(exc)
            if error is None:
                raise
            raise error from exc
        return self._reply(toolkit, _last_ai(result["messages"]))

    def stream(self, ctx: TurnContext, toolkit: Any) -> Iterator[AgentEvent]:
        """The turn as progress events: tool_start/tool_end, text deltas, then the final reply."""
        from langchain_core.messages import AIMessage, ToolMessage
        from langgraph.errors import GraphRecursionError

        graph, state, config = self._prepare(ctx, toolkit)
        last: AIMessage | None = None
        try:
            for mode, chunk in graph.stream(state, config, stream_mode=["messages", "updates"]):
                if mode == "messages":
                    message, meta = chunk
                    from_model = meta.get("langgraph_node") == "model"
                    if from_model and message.type in ("ai", "AIMessageChunk") and message.text:
                        yield AgentEvent(type="text", text=message.text)
                    continue
                for node, update in (chunk or {}).items():
                    for message in (update or {}).get("messages", []) if isinstance(update, dict) else []:
                        if isinstance(message, AIMessage) and node == "model":
                            last = message
                            for call in message.tool_calls:
                                name = call["name"]
                                label = PROGRESS_LABELS.get(name, "処理中…")
                                yield AgentEvent(type="tool_start", tool=name, label=label)
                        elif isinstance(message, ToolMessage):
                            yield AgentEvent(type="tool_end", tool=message.name, ok=message.status != "error")
        except GraphRecursionError:
            last = None
        except Exception as exc:
            error = _unavailable(exc)
            if error is None:
                raise
            raise error from exc
        yield AgentEvent(type="final", reply=self._reply(toolkit, last))

    # --- the reply ---------------------------------------------------------------------

    def _reply(self, toolkit: Toolkit, final: AIMessage | None) -> EngineReply:
        limited = final is None or bool(final.response_metadata.get(LIMIT_KEY)) or bool(final.tool_calls)
        text = final.text.strip() if final is not None else ""
        answer = text if text and not limited else fallback_answer(toolkit, text)
        return EngineReply(
            answer=answer,
            programmes=programmes_seen(toolkit, answer),
            citations=citations_for(toolkit, answer),
            tool_calls=list(toolkit.calls),
            follow_up=follow_ups(toolkit, answer),
        )


def _last_ai(messages: Sequence[BaseMessage]) -> AIMessage | None:
    from langchain_core.messages import AIMessage

    for message in reversed(messages):
        if isinstance(message, AIMessage):
            return message
    return None


def _unavailable(exc: BaseException) -> LlmUnavailableError | None:
    """LlmUnavailableError for a provider failure anywhere in the cause chain, else None."""
    seen: BaseException | None = exc
    while seen is not None:
        reason = classify_provider_error(seen)
        if reason is not None:
            return LlmUnavailableError(reason, f"{type(seen).__name__}: {seen}"[:300])
        seen = seen.__cause__ or seen.__context__
    return None


def fallback_answer(toolkit: Toolkit, partial: str = "") -> str:
    """When a limit stopped the turn: the model's partial text, then each tool result's message."""
    lines = [LIMIT_PREFIX]
    if partial:
        lines.append(partial)
    messages = [str(call.result["message"]) for call in toolkit.calls if call.result.get("message")]
    lines += [f"- {message}" for message in dict.fromkeys(messages)]
    return "\n".join(lines) if len(lines) > 1 else NOTHING_FOUND


def programmes_seen(toolkit: Toolkit, answer: str) -> list[str]:
    """Programme ids in the tool calls (arguments and results), then those the answer names."""
    from bot.agent.matching import mentioned_programmes

    known = toolkit.programmes
    found: list[str] = []
    for call in toolkit.calls:
        for value in (call.arguments.get("programme_id"), call.result.get("programme_id")):
            if isinstance(value, str) and value in known:
                found.append(value)
    found += mentioned_programmes(known, answer)
    return list(dict.fromkeys(found))


def citations_for(toolkit: Toolkit, answer: str) -> list[Citation]:
    """The toolkit's citations, plus searched passages the answer draws on.

    A passage counts when the answer names its section (the last heading); if the turn cited
    nothing else, the top passage of each search is cited.
    """
    from bot.retrieval.models import SECTION_SEPARATOR, SearchHit

    searches = [call for call in toolkit.calls if call.name == "search_documents"]
    had_citations = bool(toolkit.citations)
    for call in searches:
        hits = [SearchHit.model_validate(item) for item in call.result.get("items", [])]
        used = [hit for hit in hits if hit.section.split(SECTION_SEPARATOR)[-1].strip() in answer]
        if not used and not had_citations and hits:
            used = hits[:1]
        for hit in used:
            toolkit.cite_hit(hit)
    return toolkit.citations


def follow_ups(toolkit: Toolkit, answer: str) -> list[str]:
    """The tools' questions for missing facts, when the answer asks the user something."""
    if not any(mark in answer for mark in ASKING_MARKS):
        return []
    questions: list[str] = []
    for call in reversed(toolkit.calls):
        for item in call.result.get("missing") or []:
            if isinstance(item, dict) and item.get("question"):
                questions.append(str(item["question"]))
    return list(dict.fromkeys(questions))[:MAX_FOLLOW_UPS]
