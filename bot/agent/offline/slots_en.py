"""Facts a user states in English («¥80,000,000», «80 million yen», «¥9M», «35 t-CO2», «40%»,
«SME», «a listed company with 2,000 employees», «in Tokyo», «based in Saitama»).

They go into the same :class:`~bot.agent.offline.slots.Extraction` as the Japanese rules fill,
with the same slot names and JSON-friendly values; a fact the Japanese rules already read is
left as they read it. Amounts are classified by the label nearest before them in the same
clause (capital, total project cost, donations, a cost item); an unlabelled amount is the
eligible-cost total.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

from bot.agent.offline.slots import Extraction, quantity
from bot.knowledge.models import Programme, RateCapCalculation
from bot.tools.sme import parse_industry

SCALES = {"": 1, "k": 1_000, "thousand": 1_000, "m": 1_000_000, "mn": 1_000_000, "million": 1_000_000}
SCALES |= {"b": 10**9, "bn": 10**9, "billion": 10**9, "man": 10_000, "oku": 10**8}
_NUMBER = r"([0-9][0-9,]*(?:\.[0-9]+)?)"
_SCALE = r"\s*(k|thousand|mn|m|million|bn|b|billion|man|oku)?\b"
_YEN = re.compile(
    rf"(?:¥|￥|\byen\s|\bjpy\s?)\s*{_NUMBER}{_SCALE}|{_NUMBER}{_SCALE}\s*(?:yen|jpy|円)",
    re.IGNORECASE,
)
AMOUNT_SLOTS: tuple[str, ...] = ("costs", "eligible_cost_yen", "capital_yen", "total_project_cost")
AMOUNT_SLOTS += ("donations_income", "eligible_cost_planned")
_BARE = re.compile(rf"{_NUMBER}\s*(million|billion|bn|mn)\b(?!\s*(?:yen|jpy|円))", re.IGNORECASE)
_TONNES = re.compile(rf"{_NUMBER}\s*(?:t-?co2e?|tco2e?|tonnes?|tons?|t)\b", re.IGNORECASE)
_PERCENT = re.compile(rf"{_NUMBER}\s*(?:%|percent|per cent)", re.IGNORECASE)
_APPROX = re.compile(r"(about|around|roughly|approximately|approx\.?|some|~)\s*$")
_BOUND = re.compile(r"(over|under|more than|less than|at least|up to|below|above)\s*$")
_CLAUSE = re.compile(r"[.;!?\n]|,\s(?=[a-z])")
_NEG = r"(not|n't|no|never|without|none)\b"
_YEN_LABELS: tuple[tuple[str, str], ...] = (
    ("capital_yen", r"capital"),
    ("total_project_cost", r"total project cost|project total|total cost of the project"),
    ("donations_income", r"donation|other income"),
    ("eligible_cost_planned", r"planned eligible|planned spending|planned expenditure"),
    ("premise", r"\bcap\b|upper limit|maximum|grant of|subsidy of|receive|get paid"),
    ("ignore", r"revenue|sales|turnover|profit|loan|annual budget|total budget|including tax|incl\.? tax"),
)
ITEM_WORDS_EN: dict[str, str] = {
    "design": r"design",
    "equipment": r"equipment|machines?|machinery|devices?|units?|hardware",
    "construction": r"construction|installation|install|works|labou?r",
    "ghg_calculation": r"calculation|calculating|emissions? accounting|footprint",
    "consulting": r"consult",
    "promotion": r"promotion|advertis|marketing|campaign",
    "saf_surcharge": r"surcharge|saf premium|extra charge",
    "consumption_tax": r"consumption tax|\bvat\b",
    "transfer_fee": r"transfer fee|bank fee",
}
_TOKYO_NO = (
    r"(outside|not in|not based in|not located in) tokyo|\b(osaka|kanagawa|yokohama|kawasaki|saitama|chiba|"
    r"nagoya|aichi|fukuoka|hokkaido|sapporo|kyoto|hyogo|kobe|hiroshima|sendai|shizuoka|ibaraki|tochigi|"
    r"gunma|niigata|nagano|okinawa)\b"
)
_TOKYO_YES = (
    r"\b(in|based in|located in|within|inside) tokyo\b|tokyo[- ]based|"
    r"\btokyo (head office|headquarters|office|site|factory|plant|shop|store|warehouse|branch)"
)
# fact: (negative, positive), over the lower-cased message.
BOOL_RULES_EN: dict[str, tuple[str, str]] = {
    "located_in_tokyo": (_TOKYO_NO, _TOKYO_YES),
    "self_plan": (
        r"(not|n't|no) (make|made|write|wrote|draft|drafted|have|prepare|prepared)?\s*(our|my) own plan",
        r"\b((our|my) )?own plan|plan(ned)? (it )?(ourselves|myself|in-house)|self-made plan|in-house plan"
        r"|plan (that )?(we|i) (wrote|made|drew up|drafted|prepared)",
    ),
    "energy_diagnosis": (
        rf"{_NEG}[^.,;]{{0,30}}energy (audit|diagnosis)|energy (audit|diagnosis)[^.,;]{{0,10}}{_NEG}",
        r"energy (audit|diagnosis)",
    ),
    "consulting": (
        rf"{_NEG}[^.,;]{{0,30}}consulting",
        r"energy[- ]saving consulting|consulting (and|&) (an )?energy",
    ),
    "small_medium_facility": (
        r"not an? small ?(or|and|/) ?medium(-sized)? (facility|site|business site|building)",
        r"small ?(or|and|/) ?medium(-sized)? (facility|site|business site|building)",
    ),
    "submits_warming_report": (
        rf"{_NEG}[^.,;]{{0,30}}(global )?warming (countermeasure )?report",
        r"(global )?warming (countermeasure )?report",
    ),
    "uses_tokyo_credit_market": (
        r"(not|n't) (buy|bought|purchase|purchased)[^.,;]{0,20}(tokyo )?(carbon )?credit market",
        r"(tokyo )?(carbon )?credit market",
    ),
    "offset_branding_project": (
        r"(no|not|n't) (do |doing )?(any )?(branding|promotion)",
        r"offset[^.;]{0,40}(branding|promot|marketing)|(branding|promot|marketing)[^.;]{0,40}offset",
    ),
    "freight_forwarder": (r"not a (freight )?forwarder|\bshipper\b", r"(freight )?forwarder"),
    "uses_saf_air_cargo": (
        r"(not|n't) (use|using)[^.,;]{0,10}saf",
        r"\b(us(e|es|ed|ing)|fly|flying|ship(ping)?|fuel(led|ed)?|carry|carried|buy|bought) "
        r"([a-z-]+ ){0,3}saf\b"
        r"|\bsaf\b[a-z' ]{0,24}\b(fuel(l)?ed|used|shipped|carried|bought)\b"
        r"|(%|share|portion) of (the |our )?saf\b",
    ),
    "other_subsidy_same_project": (
        rf"{_NEG}[^.,;]{{0,20}}(other|another) (grant|subsid)",
        r"(other|another) (grant|subsid)",
    ),
    "tax_arrears": (
        rf"{_NEG}[^.,;]{{0,20}}(tax arrears|unpaid tax|overdue tax)",
        r"tax arrears|unpaid tax|overdue tax|(still )?owe[sd]?\b[^.;]{0,60}\btax|behind on [^.;]{0,20}tax",
    ),
    "support_institution": (
        r"not a support (institution|organisation|organization)",
        r"chamber of commerce|shinkin|credit union|regional bank|"
        r"support (institution|organisation|organization)",
    ),
}
_SME_NO = re.compile(
    r"\b(not an? sme|not a small|"
    r"(large|big|major|listed) ([a-z-]+ )?(company|enterprise|corporation|firm|business))\b"
)
_SME_YES = re.compile(
    r"\b(sme|smes|small (and|or) medium|small(-sized)? ([a-z-]+ )?(business|company|firm|manufacturer|"
    r"enterprise|forwarder|shop|store|restaurant|retailer|wholesaler|maker|bakery|cafe)|"
    r"small and mid-sized|smb)\b"
)
_EMPLOYEES = re.compile(r"([0-9][0-9,]*)\s*(employees|staff|people|workers|persons)")
_YES = re.compile(
    r"^(yes|yeah|yep|yup|sure|correct|right|we do|we did|we will|we have|i do|i have|of course)\b"
)
_NO = re.compile(r"^(no|nope|not|we don't|we do not|we haven't|we have not|we won't|none|never)\b")
_UNSURE = re.compile(r"not sure|don't know|do not know|no idea|unknown|unsure|undecided")


def _amount(number: str, scale: str | None) -> Fraction:
    return Fraction(number.replace(",", "")) * SCALES[(scale or "").lower()]


def yen_mentions(text: str) -> list[tuple[int, int, int, str]]:
    """(start, end, yen, text) of every amount of money: ¥80,000,000, 80 million yen, ¥9M, JPY 5m."""
    found = []
    for match in _YEN.finditer(text):
        number, scale = (
            (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
        )
        value = _amount(number, scale)
        if value.denominator == 1:
            found.append((match.start(), match.end(), int(value), match.group(0)))
    for match in _BARE.finditer(text):  # «costs of 80 million»: money in this domain
        value = _amount(match.group(1), match.group(2))
        if value.denominator == 1 and not any(s <= match.start() < e for s, e, _, _ in found):
            found.append((match.start(), match.end(), int(value), match.group(0)))
    return sorted(found)


def _clause_before(text: str, start: int) -> str:
    before = text[max(0, start - 60) : start]
    cuts = [m.end() for m in _CLAUSE.finditer(before)]
    return before[cuts[-1] :] if cuts else before


def _nearest(context: str, labels: list[tuple[str, str]]) -> str | None:
    best: tuple[int, str] | None = None
    for name, pattern in labels:
        for match in re.finditer(pattern, context):
            if best is None or match.end() >= best[0]:
                best = (match.end(), name)
    return best[1] if best else None


_OF_CAPITAL = re.compile(r"^\s*(?:yen\s*)?(?:of|in)\s+(?:share\s+|paid-in\s+)?capital\b")
_ON_ITEM = re.compile(r"^\s*(?:yen\s*)?(?:on|for|in)\s+(?:the\s+|our\s+|its\s+)?([^,.;]*)")


def _label_after(after: str, labels: list[tuple[str, str]]) -> str | None:
    """«1.6 million yen on promotion»: an item named right after the amount is its label."""
    if _OF_CAPITAL.match(after):
        return "capital_yen"  # «10 billion yen of capital»
    match = _ON_ITEM.match(after)
    if match is None:
        return None
    found = [(m.start(), name) for name, pattern in labels for m in re.finditer(pattern, match.group(1))]
    found = [(position, name) for position, name in found if name.startswith("item:")]
    return min(found)[1] if found else None


def _item_labels(programme: Programme | None) -> list[tuple[str, str]]:
    calc = programme.calculation if programme else None
    if not isinstance(calc, RateCapCalculation) or programme is None:
        return []
    names = programme.english.cost_items if programme.english else {}
    ids = [item.id for item in calc.cost_items] + [item.id for item in calc.excluded_costs]
    labels = []
    for item in ids:
        words = [
            w
            for w in (ITEM_WORDS_EN.get(item), re.escape(names[item].lower()) if item in names else None)
            if w
        ]
        if words:
            labels.append((f"item:{item}", "|".join(words)))
    return labels


def extract_english(text: str, programme: Programme | None, out: Extraction) -> Extraction:
    """Add the facts stated in English in ``text`` to ``out`` (those not read already)."""
    norm = text.lower()
    _amounts(norm, programme, out)
    _quantities(norm, programme, out)
    _company(norm, out)
    for fact, (negative, positive) in BOOL_RULES_EN.items():
        if fact in out.changes:
            continue
        if re.search(negative, norm):
            out.changes[fact] = False
        elif re.search(positive, norm):
            out.changes[fact] = True
    consulting = out.changes.pop("consulting", None)
    diagnosis = out.changes.get("energy_diagnosis")
    if "diagnosis_consulting" not in out.changes and (diagnosis is not None or consulting is not None):
        out.changes["diagnosis_consulting"] = bool(diagnosis or consulting) and False not in (
            diagnosis,
            consulting,
        )
    return out


def _amounts(norm: str, programme: Programme | None, out: Extraction) -> None:
    mentions = yen_mentions(norm)
    if not mentions:
        return  # none in English; the Japanese rules' reading (「1,200万円」) stands
    for key in AMOUNT_SLOTS:  # «¥9M» is not 「¥9」: the English reading replaces the Japanese one
        out.changes.pop(key, None)
    out.approximate.clear()
    out.bounded.clear()
    out.claimed_yen.clear()
    labels = [*_YEN_LABELS, *_item_labels(programme)]
    planned = programme is not None and any(s.name == "eligible_cost_planned" for s in programme.inputs)
    costs: dict[str, int] = {}
    totals: list[int] = []
    floor = 0
    for start, end, value, shown in mentions:
        before = _clause_before(norm, start)[-(start - floor) :] if start > floor else ""
        floor = end
        label = _label_after(norm[end : end + 40], labels) or _nearest(before, labels)
        if label == "premise":
            out.claimed_yen.append(value)
            continue
        if label == "ignore" or (value == 0 and label not in ("donations_income", "capital_yen")):
            continue
        if _BOUND.search(before):
            out.bounded.append(shown)
            continue
        if _APPROX.search(before):
            out.approximate.append(shown)
        if label == "eligible_cost_planned" and not planned:
            label = None
        if label in ("capital_yen", "total_project_cost", "donations_income", "eligible_cost_planned"):
            out.changes[label] = value
        elif label is not None and label.startswith("item:"):
            costs[label.removeprefix("item:")] = value
        else:
            totals.append(value)
    if re.search(r"\bno (donations?|other income)\b", norm):
        out.changes.setdefault("donations_income", 0)
    if costs:
        out.changes["costs"] = costs
        out.changes["eligible_cost_yen"] = None
    elif totals:
        out.changes["eligible_cost_yen"] = totals[-1]
        out.changes["costs"] = None


_DOMESTIC_FUEL = r"haneda|narita|japanese airports?|in japan"
_OTHER_AIRPORTS = r"overseas|abroad|foreign|outside japan|other airports?"


def _quantities(norm: str, programme: Programme | None, out: Extraction) -> None:
    without_money = _YEN.sub(" ", norm)
    tonnes = [
        m
        for m in _TONNES.finditer(without_money)
        if not re.search(r"(under|less than|below)\s*$", without_money[: m.start()])
    ]
    if tonnes and "co2_reduction_t" not in out.changes:
        out.changes["co2_reduction_t"] = quantity(Fraction(tonnes[-1].group(1).replace(",", "")))
    default = programme.vocabulary.percent_input if programme is not None else None
    matches = list(_PERCENT.finditer(norm))
    for n, match in enumerate(matches):
        value = Fraction(match.group(1).replace(",", ""))
        before = _clause_before(norm, match.start())
        since = norm[matches[n - 1].end() if n else max(0, match.start() - 60) : match.start()]
        after = norm[match.end() : matches[n + 1].start() if n + 1 < len(matches) else match.end() + 60]
        after = re.split(r"[.;?!]", after)[0]
        if re.search(r"rate|grant|subsid|cover|pay", before):
            out.claimed_percents.append(value)
        elif re.search(_DOMESTIC_FUEL, after) or (
            re.search(_DOMESTIC_FUEL, since) and not re.search(_OTHER_AIRPORTS, after)
        ):
            # «30% fuelled at Haneda or Narita and 70% overseas»: the share said of Haneda/Narita
            out.changes["haneda_narita_share_pct"] = quantity(value)
        elif re.search(r"reduc|cut|co2|emission|lower", norm) and default == "co2_reduction_pct":
            out.changes.setdefault("co2_reduction_pct", quantity(value))
        elif default is not None:
            out.changes.setdefault(default, quantity(value))


def _company(norm: str, out: Extraction) -> None:
    if "is_sme" not in out.changes:
        no, yes = _SME_NO.search(norm), _SME_YES.search(_SME_NO.sub(" ", norm))
        if no:
            out.changes["is_sme"] = False
            out.changes.setdefault("org_type", "large_company")
        elif yes:
            out.changes["is_sme"] = True
    if "sole proprietor" in norm or "self-employed" in norm:
        out.changes["org_type"] = "sole_proprietor"
    employees = _EMPLOYEES.search(norm)
    if employees and "employees" not in out.changes:
        out.changes["employees"] = int(employees.group(1).replace(",", ""))
    if ("employees" in out.changes or "capital_yen" in out.changes) and "industry" not in out.changes:
        industry = parse_industry(norm)  # «a wholesaler with 60 employees»: the class sets the limits
        if industry is not None:
            out.changes["industry"] = industry.value


def answer_pending_english(text: str, fact_type: str) -> Any:
    """Read a short English answer to the question just asked («yes», «30 tonnes», «¥12M»)."""
    norm = text.strip().lower()
    if _UNSURE.search(norm):
        return None
    if fact_type == "bool":
        if _NO.search(norm):
            return False
        return True if _YES.search(norm) else None
    if fact_type == "yen":
        amounts = yen_mentions(norm) or yen_mentions(re.sub(rf"^{_NUMBER}{_SCALE}", r"\g<0> yen", norm))
        return amounts[-1][2] if amounts else None
    number = re.search(_NUMBER, norm)
    if number is None:
        return None
    return quantity(Fraction(number.group(1).replace(",", "")))
