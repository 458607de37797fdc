"""The clarifying question for a message the engine cannot read with confidence: one question
naming the router's best two readings (「助成額の試算と対象経費のどちらについて…」), about the
session's programme when there is one."""

from __future__ import annotations

from bot.agent.offline.detect import Detection
from bot.agent.offline.render import render
from bot.agent.offline.situation import Section
from bot.knowledge.models import Programme

CLARIFY_CHOICES = 2
# What each intent answers, as the clarifying question names it.
INTENT_LABELS = {
    "amount": "助成額の試算",
    "comparison": "申請区分の比較",
    "rate_cap": "助成率・上限額",
    "eligible_costs": "対象経費",
    "eligibility": "申請の要件（対象になるかどうか）",
    "deadline": "締切・受付期間",
    "how_to_apply": "申請方法・提出書類",
    "contact": "問い合わせ先",
    "overview": "制度の概要",
    "find": "ご利用になれそうな制度",
    "general": "そのほかの申請条件や注意点",
}


def clarify(det: Detection, programme: Programme | None) -> Section:
    """One question naming the router's best candidates, about ``programme`` when given."""
    ranked = [intent for intent, _ in det.routing.scores] if det.routing else []
    choices = [INTENT_LABELS[i] for i in ranked if i in INTENT_LABELS][:CLARIFY_CHOICES]
    topic = f"{programme.short_name}の" if programme is not None else ""
    if len(choices) < CLARIFY_CHOICES:
        choices = [INTENT_LABELS["amount"], INTENT_LABELS["eligibility"]]
    question = render("clarify.question", topic=topic, first=choices[0], second=choices[1])
    labels = "・".join(label for key, label in INTENT_LABELS.items() if key not in ("find", "general"))
    return Section(render("clarify.answer", question=question, labels=labels), follow_up=[question])
