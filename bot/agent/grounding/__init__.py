"""The grounding guard (v2): every figure an answer states must come from a tool result or a
cited passage about the same subject — programme (and edition), category and field.

* :mod:`.text` — where a figure stands (sentence or table cell) and the words that say what it is;
* :mod:`.catalogue` — how texts name programmes and categories, and the categories' rates and caps;
* :mod:`.evidence` — the figures tool results and citations state, with their subjects;
* :mod:`.claims` — the figures of the answer, with the subject each sentence gives them;
* :mod:`.guard` — the verdict per figure, the report, line removal and the counters.

``bot.advisor`` checks every answer: an LLM answer with an ungrounded figure is replaced by the
offline engine's answer; in an offline answer the lines with one are removed. Both are logged
with the reason and counted in :data:`GUARD_COUNTS` (read with :func:`guard_counts`).
"""

from bot.agent.grounding.guard import (
    GUARD_COUNTS,
    REASONS,
    Finding,
    GroundingReport,
    check_grounding,
    count,
    guard_counts,
    remove_ungrounded_lines,
)

__all__ = [
    "GUARD_COUNTS",
    "REASONS",
    "Finding",
    "GroundingReport",
    "check_grounding",
    "count",
    "guard_counts",
    "remove_ungrounded_lines",
]
