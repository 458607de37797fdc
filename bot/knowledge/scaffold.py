"""Text of the files ``advisor knowledge add`` writes: a source and a programme scaffold.

The source is Markdown with the front matter of :class:`bot.knowledge.models.SourceMeta`.
The programme scaffold has every field of :class:`bot.knowledge.models.Programme` in the
shape the loader expects, with ``TODO`` wherever the editor must decide or copy something
from the document, English comments saying what to fill, and ``doc:`` of every ``source:``
block set to the source id. A file with a ``TODO`` left is not a finished programme: the
loader rejects the typed ones (``kind: TODO``, ``rate: TODO``, ``start: TODO`` …) and
``advisor knowledge check`` is meant to refuse any remaining ``TODO``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from string import Template

TODO = "TODO"
SOURCE_FIELDS = ("id", "title", "publisher", "url", "fiscal_year", "published", "retrieved")
MAX_LISTED_SECTIONS = 80


def quoted(value: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML), keeping Japanese as is."""
    return json.dumps(value, ensure_ascii=False)


def render_source(meta: Mapping[str, str], body: str) -> str:
    """``knowledge/sources/<id>.md``: front matter, a blank line, the Markdown body."""
    doc_id = meta["id"]
    lines = ["---", f"id: {doc_id}"]
    lines.extend(f"{key}: {quoted(meta[key])}" for key in SOURCE_FIELDS[1:])
    lines.append(f"programmes: [{doc_id}]")
    lines.append("---")
    return "\n".join(lines) + "\n\n" + body.strip("\n") + "\n"


def _value(value: str | None) -> str:
    return quoted(value) if value and value != TODO else TODO


def render_programme(
    doc_id: str,
    *,
    origin: str,
    sections: Sequence[str],
    publisher: str | None = None,
    url: str | None = None,
    fiscal_year: str | None = None,
    title: str | None = None,
) -> str:
    """``knowledge/programmes/<id>.yaml`` to be filled in by hand."""
    listed = [f"#   {section}" for section in sections[:MAX_LISTED_SECTIONS]]
    if len(sections) > MAX_LISTED_SECTIONS:
        listed.append(f"#   … and {len(sections) - MAX_LISTED_SECTIONS} more")
    return _TEMPLATE.substitute(
        id=doc_id,
        origin=origin,
        sections="\n".join(listed) or '#   (the document has no headings: cite section "")',
        title_hint=f"  # the programme's name as the document writes it (document title: {title})"
        if title and title != TODO
        else "  # the programme's name as the document writes it",
        publisher=_value(publisher),
        url=_value(url),
        fiscal_year=_value(fiscal_year),
        source2=_source_block(doc_id, 2),
        source4=_source_block(doc_id, 4),
        source6=_source_block(doc_id, 6),
    )


def _source_block(doc_id: str, indent: int) -> str:
    pad = " " * indent
    return (
        f"{pad}source:\n"
        f"{pad}  doc: {doc_id}\n"
        f"{pad}  section: {TODO}  # heading path in knowledge/sources/{doc_id}.md, e.g. 事業概要 > 助成額\n"
        f"{pad}  quote: {TODO}  # words copied verbatim from that section"
    )


_TEMPLATE = Template(
    """\
# Programme facts for ${id}, scaffolded by `advisor knowledge add` from ${origin}.
# Fill in every TODO, then run `advisor knowledge check` and `advisor index` (docs/knowledge.md).
# - Every source.section is a heading path of knowledge/sources/${id}.md (titles joined by " > ")
#   and every source.quote is copied verbatim from that section (a table row counts: "| 3分の2 | 200万円 |").
# - Delete an optional block or list item the document does not support instead of leaving TODO in it.
# - Rates are fractions in quotes ("2/3"); money is integer yen (1,500万円 -> 15000000); dates are YYYY-MM-DD.
# Sections of knowledge/sources/${id}.md you can cite:
${sections}
id: ${id}
# A new fiscal year's edition of a programme already in knowledge/: the id of its first edition
# (its aliases may then repeat that edition's). Otherwise null.
edition_of: null
published: null  # YYYY-MM-DD the edition was announced; null: from its first window's start
kind: TODO  # grant (助成金), subsidy (補助金) or support_plan (an action plan, no money paid)
name:
  value: TODO${title_hint}
${source2}
aliases:  # other names users may type for this programme, or replace the list with []
  - TODO
publisher:
  value: ${publisher}  # the body that runs the programme, e.g. 東京都 産業労働局
${source2}
url:
  value: ${url}  # the programme's page
${source2}
summary:
  value: TODO  # two or three sentences in Japanese: who gets what, at which rate and up to which cap
${source2}
fiscal_year:  # delete this block for a programme without fiscal years
  value: ${fiscal_year}  # e.g. 令和7年度
${source2}
target_applicants:  # who may apply, one item per group of applicants
  - value: TODO
${source4}

inputs:  # the facts the eligibility rules and category conditions ask the user about
  - name: TODO  # snake_case, e.g. is_sme
    type: TODO  # yen, tonnes, percent, bool, choice, text or int
    label: TODO  # short Japanese label, e.g. 中小企業者に該当するか
    question: TODO  # the question put to the user, in Japanese
    choices: null  # for type choice only: {value: 日本語ラベル, …}

eligibility:  # rules an applicant must meet
  - id: TODO  # snake_case rule id
    description: TODO  # the requirement, in Japanese
    # fact: an input name; op: == != >= > <= < in not_in; combine with {all: [...]} or {any: [...]}
    condition: {fact: TODO, op: "==", value: TODO}
    fail_reason: TODO  # the Japanese sentence shown when the rule is not met
${source4}

calculation:  # how the grant is computed; delete for a programme that pays no money
  kind: rate_cap  # amount = min(eligible cost x rate, cap); for a form's arithmetic see worksheet below
  cost_items:  # costs the programme pays for
    - id: TODO  # snake_case, e.g. equipment
      name: TODO  # e.g. 設備費
      aliases: []  # other words for the item, e.g. [機器費]
${source6}
  excluded_costs:  # costs it does not pay for, or []
    - id: TODO
      name: TODO  # e.g. 消費税
      aliases: []
      reason: TODO  # why, in Japanese
${source6}
  categories:  # one item per row of the rate table
    - id: TODO  # e.g. sme
      name: TODO  # the row's label, e.g. 中小企業者
      description: TODO  # who or what the row covers, with its rate and cap, in Japanese
      when: {fact: TODO, op: "==", value: TODO}  # when the row applies; null if there is one row
      rate: TODO  # a fraction in quotes, e.g. "2/3"
      cap_yen: TODO  # integer yen, e.g. 15000000; null when there is no cap
      eligible_items: [TODO]  # ids of the cost_items this row pays for
${source6}
  rounding:
    rule: floor  # floor, ceil or round_half_up
    unit_yen: 1  # e.g. 1000 when amounts are cut to the thousand yen
    stated: TODO  # true when the document states it (fill the source below); false: delete the source
${source4}
  # kind: worksheet instead of rate_cap, for a form whose numbered lines compute the amount:
  # kind: worksheet
  # lines:  # ops: input (with input: NAME), subtract, min, multiply (with factor: "1/2"); args: line ids
  #   - id: "1"
  #     label: (1) 対象経費
  #     op: input
  #     input: eligible_cost
  #     source: {doc: ${id}, section: TODO, quote: TODO}
  #   - id: "2"
  #     label: (2) 助成額 (1) × 1/2
  #     op: multiply
  #     args: ["1"]
  #     factor: "1/2"
  #     source: {doc: ${id}, section: TODO, quote: TODO}
  # result_line: "2"
  # cap_yen: null  # integer yen

windows:  # application periods, one item per round
  - id: TODO  # e.g. fy2025_round1
    label: TODO  # e.g. 令和7年度 第1回 申請受付
    fiscal_year: TODO  # e.g. 令和7年度
    round: null  # 1, 2, … for numbered rounds
    kind: application  # application, submission or proposal
    start: TODO  # YYYY-MM-DD
    end: TODO  # YYYY-MM-DD
    start_time: null  # HH:MM when stated
    end_time: null  # HH:MM when stated, e.g. "17:00"
    must_arrive: TODO  # true when the document says 必着, else false
    selection: TODO  # lottery, first_come, review, budget_first_come or unspecified
    selection_note: null  # the document's words, e.g. ※予算額に達し次第受付終了
${source4}

deadlines:  # single dates such as the deadline of the 完了報告; or []
  - id: TODO
    label: TODO  # e.g. 工事完了届の提出期限
    kind: TODO  # snake_case, e.g. completion_report
    date: TODO  # YYYY-MM-DD
    windows: []  # ids of the windows whose applicants it applies to
    note: null
${source4}

notes:  # other facts worth telling an applicant; or []
  - value: TODO
${source4}

contacts:  # where to ask; or []
  - label: TODO  # e.g. 問合せ先（申請に関わること）
    organisation: TODO
    phone: TODO  # or null
    email: null
    url: null
    hours: null  # e.g. 平日9時から17時まで
${source4}

rulings:  # yes/no questions users ask, answered by a quoted passage; or []
  - id: TODO  # snake_case, e.g. submission_by_post
    asks: [TODO, TODO]  # phrasings of the question, Japanese and English, all with the same answer
    answer: TODO  # "yes", "no", depends or not_stated (the document is silent; source optional)
    statement: TODO  # the answer in one or two Japanese sentences
    statement_en: null  # the same in English
${source4}

vocabulary:  # how people talk about the programme (the offline engine matches these words)
  order: 100  # place in lists of programmes
  topics: [TODO]  # equipment, activities and terms of its rules, e.g. [冷蔵ショーケース, LED, 断熱]
  weak_topics: []  # words that point here only when no stronger word points elsewhere
  percent_input: null  # the input a bare percentage in a message is about, e.g. co2_reduction_pct

english: null  # optional: English name and translations for English answers (see docs/knowledge.md)
"""
)
