"""The semantic intent router and how detection and the engine use it.

The paraphrases below were written for these tests (none is an example of knowledge/intents.yaml
nor a sentence of an evaluation dataset): they check that the router generalises beyond its
examples, in Japanese and English. The example matrix is embedded once per session (the
``router`` fixture; the engine's dialogues share the same cache).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pytest

from bot.agent.offline.detect import Detection, detect, mask_programmes
from bot.agent.offline.render import render
from bot.agent.offline.router import (
    CONFIDENT_MARGIN,
    IntentRouter,
    Routing,
    embed_examples,
    intent_router,
    language,
)
from bot.config import PROJECT_ROOT, load_settings
from bot.knowledge.intents import IntentExamples
from bot.knowledge.loader import KnowledgeBase, load_knowledge
from bot.retrieval.embeddings import Embedder, build_embedder

from .support import Dialogue

MakeDialogue = Callable[..., Dialogue]


@pytest.fixture(scope="session")
def knowledge() -> KnowledgeBase:
    return load_knowledge(PROJECT_ROOT / "knowledge")


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return build_embedder(load_settings(llm=None))


@pytest.fixture(scope="session")
def router(embedder: Embedder, knowledge: KnowledgeBase) -> IntentRouter:
    built = intent_router(embedder, knowledge.intents)
    assert built is not None
    return built


def resolved(detection: Detection) -> str | None:
    """The intent detection settles on: the rules' first, else the router's confident reading."""
    return detection.intents[0] if detection.intents else detection.routed


# --- the router alone -------------------------------------------------------------------------

PARAPHRASES = [
    # Japanese
    ("投資額から補助金額を出してもらえますか", "amount"),
    ("区分Aと区分Bではどちらが多くもらえますか", "comparison"),
    ("どの区分にするのが正解？", "comparison"),
    ("補助の上限額は決まっていますか", "rate_cap"),
    ("経費に対する助成の比率は？", "rate_cap"),
    ("コンサル費用も補助の対象に入りますか", "eligible_costs"),
    ("社団法人でも申し込みできますか", "eligibility"),
    ("申し込みはいつ締め切られますか", "deadline"),
    ("まだ応募を受け付けていますか", "deadline"),
    ("申込書類はどうやって出せばいいですか", "how_to_apply"),
    ("電話で相談できるところはありますか", "contact"),
    ("担当窓口の連絡先を知りたい", "contact"),
    ("それってどういう制度なの？", "overview"),
    ("省エネに取り組む会社向けの助成金を紹介して", "find"),
    ("こんにちは、よろしくお願いいたします", "greeting"),
    ("ご丁寧にありがとうございました", "greeting"),
    ("カラオケで歌うのにいい曲は？", "out_of_scope"),
    ("交付決定より前に契約してしまっても大丈夫？", "general"),
    # English
    ("how much cash would the subsidy give us", "amount"),
    ("can u estimate our grant amount", "amount"),
    ("how are the categories different from each other", "comparison"),
    ("can we claim consultant fees", "eligible_costs"),
    ("do we meet the conditions", "eligibility"),
    ("when do applications close", "deadline"),
    ("is it too late to apply", "deadline"),
    ("what paperwork is required", "how_to_apply"),
    ("how do i submit the application", "how_to_apply"),
    ("whats their email", "contact"),
    ("explain the programme in a nutshell", "overview"),
    ("what subsidies are available for a small bakery", "find"),
    ("hi, good afternoon", "greeting"),
    ("thanks so much", "greeting"),
    ("is there a lottery or first come first served", "general"),
]


@pytest.mark.parametrize(("text", "intent"), PARAPHRASES)
def test_paraphrases_are_read_as_their_intent(router: IntentRouter, text: str, intent: str) -> None:
    routing = router.route(text)
    assert routing.best == intent, routing.scores[:3]


def test_a_routing_ranks_every_intent_with_a_margin(router: IntentRouter) -> None:
    routing = router.route("締め切りっていつなんですか")
    assert {intent for intent, _ in routing.scores} == set(router.intents)
    scores = [score for _, score in routing.scores]
    assert scores == sorted(scores, reverse=True)
    assert routing.margin == pytest.approx(scores[0] - scores[1])
    assert routing.confident == (routing.margin >= CONFIDENT_MARGIN)
    assert routing.top(2) == [routing.best, routing.runner_up]


def test_the_router_is_deterministic(router: IntentRouter, embedder: Embedder) -> None:
    for text in ("いくらもらえる？", "what's the deadline", "おすすめの本を教えて"):
        assert router.route(text) == router.route(text)
    assert router.route("  いくらもらえる？ ") == router.route("いくらもらえる？")
    intents = router_examples(router)
    first = embed_examples(embedder, intents)
    second = embed_examples(embedder, intents)
    assert first.labels == second.labels
    assert np.array_equal(first.matrix, second.matrix)


def router_examples(router: IntentRouter) -> IntentExamples:
    """A few examples of the real file (embedding them all again would cost seconds)."""
    knowledge = load_knowledge(PROJECT_ROOT / "knowledge")
    assert knowledge.intents is not None
    return IntentExamples(examples=knowledge.intents.examples[:6])


def test_the_example_matrix_is_embedded_once(
    router: IntentRouter, embedder: Embedder, knowledge: KnowledgeBase
) -> None:
    again = intent_router(embedder, knowledge.intents)
    reloaded = intent_router(embedder, load_knowledge(PROJECT_ROOT / "knowledge").intents)
    assert again is not None and reloaded is not None
    assert again.examples is router.examples  # cached by (embedder, examples digest)
    assert reloaded.examples is router.examples  # another generation with the same examples
    assert intent_router(embedder, None) is None


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("締切はいつ？", "ja"),
        ("SAFの補助はいくら？", "ja"),
        ("CO2を30t減らす計画です", "ja"),
        ("how much can we get?", "en"),
        ("What's the deadline for this subsidy", "en"),
        ("ＨＯＷ ＭＵＣＨ？", "en"),
        ("12,000,000", "ja"),
    ],
)
def test_language_is_the_share_of_latin_letters(text: str, lang: str) -> None:
    assert language(text) == lang


# --- detection: rules and router combined -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # Japanese without any keyword of the rules
        ("申請ってネットからできる？", "how_to_apply"),
        ("うちみたいな町の小さな工務店でも大丈夫？", "eligibility"),
        ("担当の方と直接話せますか", "contact"),
        ("これってどんな仕組みの支援？", "overview"),
        # English: the rules are Japanese, the router reads it
        ("how much money could we get?", "amount"),
        ("When is the application deadline?", "deadline"),
        ("What documents should we prepare for the application?", "how_to_apply"),
        ("Is the programme still open?", "deadline"),
        ("What's this programme about?", "overview"),
        ("Could you give me the contact details of the help desk?", "contact"),
        ("Thanks a million!", "greeting"),
    ],
)
def test_detection_reads_messages_the_rules_miss(
    knowledge: KnowledgeBase, router: IntentRouter, text: str, intent: str
) -> None:
    detection = detect(knowledge.programmes, text, router)
    assert resolved(detection) == intent, detection.routing


def test_a_specific_rule_wins_and_the_router_is_not_asked(
    knowledge: KnowledgeBase, router: IntentRouter
) -> None:
    detection = detect(knowledge.programmes, "締切はいつ？いくらもらえる？", router)
    assert set(detection.intents) == {"amount", "deadline"}
    assert detection.routing is None and detection.routed is None and not detection.unclear


class CountingRouter(IntentRouter):
    def __init__(self, inner: IntentRouter) -> None:
        super().__init__(inner.embedder, inner.examples)
        self.calls = 0

    def route(self, text: str) -> Routing:
        self.calls += 1
        return super().route(text)


def test_a_message_no_rule_decides_is_routed_on_first_use(
    knowledge: KnowledgeBase, router: IntentRouter
) -> None:
    counting = CountingRouter(router)
    detection = detect(knowledge.programmes, "30トンです", counting)
    assert counting.calls == 0 and detection.intents == []  # stated facts may decide the turn
    first = detection.routing
    assert counting.calls == 1
    assert detection.routing is first and detection.routed == detection.routed
    assert counting.calls == 1


def test_english_is_not_read_by_the_japanese_rules(knowledge: KnowledgeBase) -> None:
    detection = detect(knowledge.programmes, "tell me about the deadline")  # no router
    assert detection.language == "en"
    # the English rules read it; 「tel」 of the Japanese contact rule is not matched in "tell"
    assert detection.intents == ["deadline", "overview"]


def test_without_a_router_detection_is_the_keyword_rules(knowledge: KnowledgeBase) -> None:
    detection = detect(knowledge.programmes, "おすすめの本を教えて")
    assert detection.intents == ["overview"]
    assert detection.routing is None and not detection.unclear


def test_the_weak_rule_gives_way_to_chatter(knowledge: KnowledgeBase, router: IntentRouter) -> None:
    detection = detect(knowledge.programmes, "おすすめの本を教えて", router)
    assert detection.intents == []  # 「教えて」 alone no longer makes it a programme overview
    assert detection.routing is not None and detection.routing.best == "out_of_scope"
    assert not detection.in_domain


def test_programme_names_are_masked_before_routing(knowledge: KnowledgeBase) -> None:
    programme = next(iter(knowledge.programmes.values()))
    masked = mask_programmes(knowledge.programmes, f"{programme.name.value}の締切は？")
    assert masked == "この制度の締切は?"


def test_a_low_confidence_message_is_unclear(knowledge: KnowledgeBase, router: IntentRouter) -> None:
    detection = detect(knowledge.programmes, "補助金のことで聞きたいんですが", router)
    assert detection.intents == [] and detection.routed is None
    assert detection.unclear and not detection.specific
    assert detection.routing is not None and not detection.routing.confident
    assert detection.in_domain


@pytest.mark.parametrize(
    ("text", "specific"),
    [
        ("取引先の業者が補助金の手続きを代行すると言っていますが平気？", True),
        ("補助金のことで聞きたいんですが", False),
        ("で、あれってどうなってます？", False),
        ("how about the other thing", False),  # English is never searched on its own words
    ],
)
def test_a_message_with_enough_content_words_is_specific(
    knowledge: KnowledgeBase, text: str, specific: bool
) -> None:
    """An unclear but specific message is answered from the documents, not asked back."""
    assert detect(knowledge.programmes, text).specific is specific


# --- the engine -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "message",
    ["おすすめの本を教えて", "what's the weather tomorrow", "write me a short story about dragons"],
)
def test_chatter_is_not_a_programme_overview(dialogue: MakeDialogue, message: str) -> None:
    reply = dialogue().say(message)
    assert ("cannot help" if reply.lang == "en" else "お答えできません") in reply.answer
    assert reply.programmes == []
    assert not any(call.name == "get_programme_facts" for call in reply.tool_calls)


def test_a_low_confidence_message_gets_one_clarifying_question(dialogue: MakeDialogue) -> None:
    reply = dialogue().say("補助金のことで聞きたいんですが")
    assert len(reply.follow_up) == 1
    question = reply.follow_up[0]
    assert question.endswith("のどちらについてお知りになりたいですか？")
    assert reply.answer.count("確認させてください") == 1
    assert question in reply.answer
    assert reply.programmes == [] and reply.tool_calls == []


def test_the_clarifying_question_names_the_programme_of_the_session(
    dialogue: MakeDialogue, knowledge: KnowledgeBase
) -> None:
    chat = dialogue()
    first = chat.say("ゼロエミの締切は？")
    programme = knowledge.programmes[first.programmes[0]]
    reply = chat.say("で、あれってどうなってます？")
    assert len(reply.follow_up) == 1
    assert reply.follow_up[0].startswith(f"{programme.short_name}の")
    assert chat.slots["programme_id"] == programme.id  # the session keeps its programme


def test_an_english_question_gets_the_intent_it_asks_for(dialogue: MakeDialogue) -> None:
    chat = dialogue()
    chat.say("ゼロエミの概要を教えて")
    reply = chat.say("When is the application deadline?")
    assert "application windows and deadlines" in reply.answer and reply.lang == "en"


def test_the_same_unclear_message_gets_the_same_question(dialogue: MakeDialogue) -> None:
    first, second = (
        dialogue().say("補助金のことで聞きたいんですが"),
        dialogue().say("補助金のことで聞きたいんですが"),
    )
    assert first.answer == second.answer and first.follow_up == second.follow_up


def test_clarify_templates_match_their_snapshot() -> None:
    question = render(
        "clarify.question", topic="制度Aの", first="締切・受付期間", second="申請方法・提出書類"
    )
    assert question == "制度Aの締切・受付期間と申請方法・提出書類のどちらについてお知りになりたいですか？"
    answer = render("clarify.answer", question=question, labels="助成額の試算・締切・受付期間")
    assert answer == (
        "**確認させてください:** 制度Aの締切・受付期間と申請方法・提出書類のどちらについて"
        "お知りになりたいですか？\n\n"
        "ご質問の意図を読み取れなかったため、推測でお答えするのを控えました。このアドバイザーは、"
        "助成額の試算・締切・受付期間などをご案内できます。知りたいことを一言添えてお尋ねください"
        "（例:「締切は？」「うちは対象になる？」）。"
    )


def test_routing_is_a_plain_value() -> None:
    routing = Routing(scores=(("amount", 0.9), ("rate_cap", 0.88)), language="ja")
    assert routing.best == "amount" and routing.runner_up == "rate_cap"
    assert routing.margin == pytest.approx(0.02) and routing.confident
    assert dataclasses.replace(routing, scores=(("amount", 0.9),)).margin == 0.0
