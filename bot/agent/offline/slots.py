"""Facts a user states in Japanese, read with the project's parsers and a few phrase rules.

Amounts are classified by the label nearest to them in the same clause (資本金, 総事業費,
寄付金, 設備費 …; an unlabelled amount is the eligible-cost total); tonnes are the annual CO2
reduction; a bare percentage goes to the input the programme's ``vocabulary.percent_input`` names.
Yes/no facts have a negative rule checked before the positive one (「診断は受けていない」).
Values are JSON-friendly (quantities as decimal strings) because slots are stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from bot.agent.offline.detect import normalise
from bot.errors import InputError
from bot.knowledge.models import CostItem, ExcludedCost, Programme, RateCapCalculation
from bot.tools.conditions import format_number
from bot.tools.parsing import (
    find_percent_mentions,
    find_tonne_mentions,
    find_yen_mentions,
    parse_percent,
    parse_tonnes,
    parse_yen,
)
from bot.tools.sme import OrgType, classify_sme, parse_industry, parse_org_type

BOUNDS = ("以上", "以下", "未満", "超")  # a bound is not an amount: ask for the figure
UPPER_BOUNDS = ("以下", "未満")  # a reduction 「3t未満」 is not a value to compare with a threshold
DELIMITERS = "。、,!?！？\n;；"
CONTEXT = 16

# Extra words for cost items (by item id), beyond the names and aliases in the programme file.
ITEM_WORDS: dict[str, tuple[str, ...]] = {
    "design": ("設計費", "設計"),
    "equipment": ("設備費", "設備代", "機器費", "機器代", "本体価格", "設備"),
    "construction": ("工事費", "工事代", "施工費", "工事"),
    "ghg_calculation": ("算定費", "算定", "ghg", "排出量の算定"),
    "consulting": ("コンサルティング", "コンサル", "企画立案"),
    "promotion": ("プロモーション", "プロモ", "広告", "宣伝", "pr費", "pr"),
    "saf_surcharge": ("上乗せ", "追加料金", "サーチャージ", "saf料金"),
    "consumption_tax": ("消費税",),
    "transfer_fee": ("振込手数料",),
    "communication": ("通信費",),
    "utilities": ("光熱",),
    "stamp": ("印紙",),
}
_YEN_LABELS: tuple[tuple[str, str], ...] = (
    ("capital_yen", r"資本金|出資金|出資の総額"),
    ("total_project_cost", r"総事業費"),
    ("donations_income", r"寄付金|寄附金|寄付|寄附|その他の収入"),
    ("planned", r"補助対象経費支出予定額|補助対象経費"),
    ("premise", r"上限|限度|助成額|補助額|助成金額|補助金額|もらえ|受け取|助成金(は|が)|補助金(は|が)|満額"),
    ("ignore", r"売上|年商|利益|資産|予算額|融資|借入|込み|税込|込の"),
    ("total", r"対象経費|経費|費用|事業費|総額|見積|投資|コスト|かか|合計|予算|総工費|総費用"),
)
_PERCENT_LABELS: tuple[tuple[str, str], ...] = (
    ("haneda_narita_share_pct", r"羽田|成田|国内(の)?空港|給油"),
    ("premise", r"助成率|補助率|(?<!削減)(?<!低減)率は|助成|補助|答え|回答|出る|もらえ"),
    ("co2_reduction_pct", r"削減|co2|排出|減ら|減る|減"),
)
_NEG = r"(ない|ません|なかった|なし|無し|無い|ず(に|、|。|$))"
_REGIONS = (
    r"大阪|神奈川|横浜|川崎|埼玉|千葉|名古屋|愛知|福岡|北海道|札幌|京都|兵庫|神戸|広島|仙台|静岡|茨城|栃木|群馬|"
    r"新潟|長野|山梨|岐阜|三重|奈良|岡山|熊本|沖縄"
)

# fact: (negative pattern, positive pattern), over normalised text.
BOOL_RULES: dict[str, tuple[str, str]] = {
    "energy_diagnosis": (
        r"診断[^。、,!?]{0,8}?(受けて|受診して|受けたことが|やって|して|実施して|受診)?(い|は|も)?"
        + _NEG
        + r"|未受診|診断(を|は)?受けず|診断(は)?未",
        r"診断[^。、,!?]{0,8}?(受け|受診|済|実施し|してもら|やっ|あり|した)|診断(に|の)(基づ|提案)|診断済|"
        r"提案(どおり|通り|に基づ|に沿)",
    ),
    "consulting": (
        r"コンサル(ティング)?[^。、,!?]{0,6}?(受けて|受診して|やって|して|入って)?(い|は|も)?" + _NEG,
        r"(省エネ)?コンサル(ティング)?[^。、,!?]{0,8}?(受け|受診|済|実施し|してもら|入れ|入っ|あり)",
    ),
    "self_plan": (
        r"(自社|自分|自ら|自前|社内|うち)(で|が)?(の)?計画[はをも]?(作って|作成して|立てて|して|作れ)?(い)?"
        + _NEG
        + r"|計画は(自社|自分)(で)?(は|じゃ)な",
        r"(自社|自分(たち|ら|達)?|自ら|自前|社内|うち)(で|が)?(独自に)?(の)?(計画|プラン)"
        r"|計画[はを]?(自社|自分(たち|ら|達)?|自ら|自前|社内|法人内)で",
    ),
    "located_in_tokyo": (
        r"都外|東京(都)?以外|都内(に|で)?[^。、]{0,8}?(は|も)?(ない|ありません|なく)|東京(都内)?(に|で)?(は)?(ない|ありません)|"
        r"東京(都内)?(に|で)(は|も)[^。、]{0,10}?(事務所|事業所|拠点|支店|オフィス)[^。、]{0,8}?(ない|ありません|なし)|"
        r"(" + _REGIONS + r")[^。、都]{0,10}?"
        r"(会社|企業|事業所|工場|本社|本店|店舗|事務所|拠点|メーカー|法人)|"
        r"(本社|本店|事務所|事業所|工場|店舗|拠点|オフィス)(は|が|も)?(" + _REGIONS + r")",
        r"東京(都内)?(に|で)(も|は)?[^。、]{0,6}?(事務所|事業所|拠点|支店|オフィス|店舗|工場)(が|を|も)?(ある|あり|有|持)|"
        r"都内(?!中小)|東京都内|東京(都)?(に|で|の)(ある|あり|本社|本店|支店|事務所|事業所|工場|店舗|拠点|オフィス|"
        r"会社|企業|中小企業|事業者|法人)|(本社|本店|支店|事務所|事業所|工場|店舗|拠点|オフィス)(は|が|も)?(東京|都内)|"
        r"東京で(事業|営業|商売)",
    ),
    "small_medium_facility": (
        r"中小規模事業所(では|じゃ|に該当し|にあたら|に当たら)(ない|ありません|なく)",
        r"中小規模事業所",
    ),
    "submits_warming_report": (
        r"(温暖化対策|温対)報告書[をはも]?(提出して|出して|提出)?(い)?" + _NEG,
        r"(温暖化対策|温対)報告書[をはも]?(提出|出し|出す|出して|出します)",
    ),
    "uses_tokyo_credit_market": (
        r"マーケット以外|マーケット(で|から)?(は)?(買わ|購入しな|購入してい?な|買ってい?な)|"
        r"(仲介|業者|相対|他の市場|別の市場|取引所|直接)[^。、]{0,8}?(買|購入)",
        r"(クレジット)?マーケット(で|から|を通じて|経由)|(東京都の?)マーケットで",
    ),
    "offset_branding_project": (
        r"(pr|ブランディング|プロモーション|宣伝)(は|を)?(しない|しません|する予定はない)",
        r"(オフセット|相殺|埋め合わせ|カーボンニュートラル).{0,24}(pr|ブランディング|プロモーション|宣伝|広告|アピール)|"
        r"(pr|ブランディング|プロモーション|宣伝|広告).{0,24}(オフセット|相殺|カーボンニュートラル)",
    ),
    "freight_forwarder": (
        r"(貨物代理店|フォワーダー)(では|じゃ)(ない|ありません|なく)|荷主(です|として|の立場|側|企業|の会社)",
        r"(貨物代理店|フォワーダー)(です|として|を営|をして|の会社|業|を経営|をやって)|"
        r"(当社|弊社|うち|私たち)(は)?(貨物代理店|フォワーダー)",
    ),
    "uses_saf_air_cargo": (
        r"saf(は|を)?(使わ|利用しな|使ってい?な|利用してい?な|使いません)",
        r"saf(を|で)?(使|利用|活用|給油)|saf利用",
    ),
    "other_subsidy_same_project": (
        r"(他|ほか|別)の(補助金|助成金|補助|助成)[をもは]?(受けて|もらって|受給して|使って)?(い)?" + _NEG,
        r"(他|ほか|別)の(補助金|助成金|補助|助成)[をもは]?(受け|もら|受給|採択|決定|使)|他府省の(補助|助成)",
    ),
    "tax_arrears": (
        r"滞納[はもが]?(して)?(い|あり)?" + _NEG,
        r"滞納(が|を)?(ある|あり|して(いる|います|る))",
    ),
    "support_institution": (
        r"支援機関(では|じゃ)(ない|ありません|なく)|(業|会社)?の?中小企業(です|で、|ですが)",
        r"(商工会議所|商工会|信用金庫|信金|信用組合|地方銀行|地銀|銀行|金融機関|中小企業組合|商店街組合|税理士|"
        r"士業|支援機関)(です|として|の職員|に勤め|で働|の者|の担当)",
    ),
}
_SME_NO = re.compile(
    r"中小企業(者)?(では|じゃ)(ない|なく|なかった|ありません)|中小企業(者)?に(該当|当たら|あたら|当てはまら)(しない|しません|らない|ない)|"
    r"中小企業以外|大企業|大手企業|中堅企業|みなし大企業"
)
_SME_YES = re.compile(
    r"中小企業(?!支援|庁|基本法|組合|制度|団体|以外|の定義|の範囲|とは|の基準|扱い|に(該当|当た|あた|なる|入)|ですか|か\?)"
    r"|中小の(会社|企業)|中小の?(メーカー|製造業|工場|商店|店舗|小売店|卸売業者|フォワーダー|貨物代理店|代理店|事業者|業者)|零細|(うち|当社|弊社|私たち|わが社|うちの会社)(は|も)?中小|"
    r"中小(です|だ|どうし|同士)"
)
# A site in Tokyo stated outright outweighs a head office elsewhere.
_TOKYO_SITE = re.compile(
    r"(東京|都内)(に|で)(も)?(営業所|事務所|事業所|支店|支社|拠点|工場|店舗|オフィス|倉庫)(が|を|も)?(ある|あり|持|構え|置)"
)
_NO_TOKYO_SITE = re.compile(r"(東京|都内)(に|で)?(は)?[^。、]{0,8}?(ない|ありません|なし)")
PRETEND = re.compile(r"(って|という|と)ことにし|と偽|偽って|偽装|ごまかし|ふりをし|嘘")
_ORG_NOISE = re.compile(
    r"中小企業(支援機関|庁|基本法|組合|制度融資|団体)|その他(の)?(収入|業種)?|東京都|カーボンクレジットマーケット"
)
_EMPLOYEES = re.compile(
    r"(従業員|社員|スタッフ|従業者|職員)(数)?(は|が|:)?(約)?([0-9][0-9,]*)(人|名)|([0-9][0-9,]*)(人|名)(の|規模の)?(従業員|社員)"
)
_INDUSTRY_CUE = re.compile(r"資本金|従業員|社員|業種|(製造|建設|運輸|卸売|小売|サービス|飲食|宿泊)業")
ORG_CHOICES: dict[OrgType, str] = {
    OrgType.sme_company: "sme_company",
    OrgType.large_company: "large_company",
    OrgType.school_corp: "school_corp",
    OrgType.medical_corp: "medical_corp",
    OrgType.social_welfare_corp: "social_welfare_corp",
    OrgType.public_interest_foundation: "public_interest_foundation",
    OrgType.general_incorporated: "general_incorporated",
    OrgType.sole_proprietor: "sole_proprietor",
    OrgType.npo: "npo",
    OrgType.local_government: "local_government",
    OrgType.independent_admin: "incorporated_admin_agency",
}
_UNSURE = re.compile(r"わから|分から|わかん|不明|未定|知らな|確認中|検討中")
_YES = re.compile(r"^(はい|ええ|うん|そう|yes|y\b|ok|その通り|受け|あり|します|しています|提出し|やって|使)")
_NO = re.compile(r"^(いいえ|いえ|いや|ううん|no\b|n\b|違)|" + _NEG + r"|ません")


@dataclass
class Extraction:
    """Slot changes learnt from one message, and what could not be used."""

    changes: dict[str, Any] = field(default_factory=dict)
    approximate: list[str] = field(default_factory=list)  # amounts given with 約/程度 … (used, flagged)
    bounded: list[str] = field(default_factory=list)  # amounts given as bounds (以上/未満 …): not used
    claimed_percents: list[Fraction] = field(default_factory=list)  # 「助成率は9割」: to correct
    claimed_yen: list[int] = field(default_factory=list)  # 「上限は1億円」: to correct


def quantity(value: Fraction) -> str:
    """A stored quantity: an exact decimal string (「30」, 「2.5」)."""
    return format_number(value)


def _clause_before(text: str, start: int, floor: int = 0) -> str:
    """The words before an amount, back to a delimiter or the previous amount (「算定費50万円と
    プロモーション費100万円」: the second amount's clause starts after the first)."""
    window = text[max(0, floor, start - CONTEXT) : start]
    cut = max(window.rfind(d) for d in DELIMITERS)
    return window[cut + 1 :]


def _clause_after(text: str, end: int) -> str:
    window = text[end : end + CONTEXT // 2]
    cuts = [i for i in (window.find(d) for d in DELIMITERS) if i >= 0]
    return window[: min(cuts)] if cuts else window


def item_patterns(programme: Programme | None) -> list[tuple[str, str]]:
    if programme is None or not isinstance(programme.calculation, RateCapCalculation):
        return []
    calc = programme.calculation
    patterns: list[tuple[str, str]] = []
    items: list[CostItem | ExcludedCost] = [*calc.cost_items, *calc.excluded_costs]
    for item in items:
        words = {normalise(w) for w in (item.name, *item.aliases, *ITEM_WORDS.get(item.id, ()))}
        patterns.append((item.id, "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))))
    return patterns


def _label(context: str, labels: list[tuple[str, str]], nearest_last: bool) -> tuple[str | None, set[str]]:
    """The label nearest the amount (last in the text before it, first in the text after it)."""
    found: list[tuple[int, int, str]] = []
    for name, pattern in labels:
        for match in re.finditer(pattern, context):
            position = match.end() if nearest_last else -match.start()
            found.append((position, len(match.group()), name))  # the longest label at a place wins
    if not found:
        return None, set()
    return max(found)[2], {name for _, _, name in found}


def _classify_yen(
    norm: str, start: int, end: int, labels: list[tuple[str, str]], floor: int = 0
) -> str | None:
    before, after = _clause_before(norm, start, floor), _clause_after(norm, end)
    label, names = _label(before, labels, nearest_last=True)
    items = {name for name in names if name.startswith("item:")}
    if len(items) > 1 and re.search(r"と|・|や|及び|および|\+|、", before):
        return "total"  # 「設備と工事で1,200万円」: one amount for several items
    if re.match(r"(に|へ)(なり|なる|増え|減|変わ|上が|下が)", after):
        return "total"  # 「4500万になりそう」: the new total
    if label == "total" and len(items) == 1:
        return items.pop()  # 「排出量算定の費用40万」: the item, not a total
    if label is None:
        label, _ = _label(after, labels, nearest_last=False)
    return label


def extract(text: str, programme: Programme | None) -> Extraction:
    """Every fact stated in ``text`` (NFKC-normalised before matching)."""
    norm = normalise(text)
    out = Extraction()
    _extract_amounts(norm, programme, out)
    _extract_quantities(norm, programme, out)
    _extract_company(norm, out)
    for fact, (negative, positive) in BOOL_RULES.items():
        if re.search(negative, norm):
            out.changes[fact] = False
        elif re.search(positive, norm):
            out.changes[fact] = True
    if (
        out.changes.get("located_in_tokyo") is False
        and _TOKYO_SITE.search(norm)
        and not _NO_TOKYO_SITE.search(norm)
    ):
        out.changes["located_in_tokyo"] = True  # 「本社は千葉だけど東京に営業所があります」
    consulting = out.changes.pop("consulting", None)
    diagnosis = out.changes.get("energy_diagnosis")
    # 区分2 asks for 省エネコンサルティング and 省エネ診断: either stated positively counts, a denial of
    # either rules it out.
    if diagnosis is False or consulting is False:
        out.changes["diagnosis_consulting"] = False
    elif diagnosis or consulting:
        out.changes["diagnosis_consulting"] = True
    return out


_UNDECIDED = re.compile(
    r"決めて(い)?ない|迷って|どっち|どちら|未定|undecided|not sure|haven't decided|or (a |an )?consult"
)


def implied_facts(message: str, out: Extraction) -> None:
    """「計画は自分たちで作る」 chooses the own-plan route: the consulting-and-audit route is then not
    the one taken (unless the message weighs both, 「どっちにするか決めてない」)."""
    if (
        out.changes.get("self_plan") is True
        and "diagnosis_consulting" not in out.changes
        and not _UNDECIDED.search(message.lower())
    ):
        out.changes["diagnosis_consulting"] = False


_CORRECTION = re.compile(
    r"^\s*(円)?(じゃなくて|じゃなく|ではなくて|ではなく|でなく|ではありません|ではなかった|→|->)[、,\s]*$"
)


def _forget(
    out: Extraction, costs: dict[str, int], totals: list[int], amount: tuple[str | None, int]
) -> None:
    """Drop an amount the next one corrects (「AじゃなくてB」)."""
    label, value = amount
    if label is not None and label.startswith("item:"):
        costs.pop(label.removeprefix("item:"), None)
    elif label in ("capital_yen", "total_project_cost", "donations_income", "eligible_cost_planned"):
        out.changes.pop(label, None)
    elif value in totals:
        totals.remove(value)


def _extract_amounts(norm: str, programme: Programme | None, out: Extraction) -> None:
    labels = [(name, pattern) for name, pattern in _YEN_LABELS]
    labels += [(f"item:{item}", pattern) for item, pattern in item_patterns(programme)]
    # A programme whose worksheet asks for the planned eligible cost takes 「予定」 amounts as that.
    planned_input = programme is not None and any(s.name == "eligible_cost_planned" for s in programme.inputs)
    costs: dict[str, int] = {}
    totals: list[int] = []
    norm = norm.replace("(", "、(")  # 「300万（税別）」: a bracket ends the amount
    floor = 0
    previous: tuple[str | None, int] | None = None  # the last amount's label and value
    for mention in find_yen_mentions(norm):
        label = _classify_yen(norm, mention.start, mention.end, labels, floor)
        if previous is not None and _CORRECTION.match(norm[floor : mention.start]):
            # 「資本金は3,000万じゃなくて8,000万」: the second amount replaces the first, same label
            label = previous[0]
            _forget(out, costs, totals, previous)
        previous = (label, mention.value)
        floor = mention.end
        if mention.value == 0 and label not in ("donations_income", "capital_yen"):
            continue  # 「実質0円」 is a sales pitch, not a cost
        if label in ("premise", "ignore"):
            if label == "premise":
                out.claimed_yen.append(mention.value)
            continue
        if mention.qualifier in BOUNDS:
            out.bounded.append(mention.text)
            continue
        if mention.qualifier is not None:
            out.approximate.append(mention.text)
        if label == "planned":
            label = "eligible_cost_planned" if planned_input else "total"
        if label in ("capital_yen", "total_project_cost", "donations_income", "eligible_cost_planned"):
            out.changes[label] = mention.value
        elif label is not None and label.startswith("item:"):
            costs[label.removeprefix("item:")] = mention.value
        else:
            totals.append(mention.value)
    if re.search(
        r"寄(付|附)(金)?(は|も)?(ない|なし|無し|ありません|ゼロ)"
        r"|その他の収入(は|も)?(ない|なし|ありません)",
        norm,
    ):
        out.changes.setdefault("donations_income", 0)
    if costs:
        out.changes["costs"] = costs
        out.changes["eligible_cost_yen"] = None
    elif totals:
        out.changes["eligible_cost_yen"] = totals[-1]
        out.changes["costs"] = None


def _extract_quantities(norm: str, programme: Programme | None, out: Extraction) -> None:
    tonnes = [m for m in find_tonne_mentions(norm) if m.qualifier not in UPPER_BOUNDS]
    if tonnes:
        out.changes["co2_reduction_t"] = quantity(tonnes[-1].value)
    default = programme.vocabulary.percent_input if programme is not None else None
    unlabelled: list[Fraction] = []
    for mention in find_percent_mentions(norm):
        before, after = _clause_before(norm, mention.start), _clause_after(norm, mention.end)
        label, _ = _label(before, list(_PERCENT_LABELS), nearest_last=True)
        if label is None:
            label, _ = _label(after, list(_PERCENT_LABELS), nearest_last=False)
        if label == "premise":
            out.claimed_percents.append(mention.value)
        elif label is not None and mention.qualifier not in UPPER_BOUNDS:
            out.changes[label] = quantity(mention.value)
        elif label is None and mention.qualifier not in UPPER_BOUNDS:
            unlabelled.append(mention.value)
    if default is not None and unlabelled and default not in out.changes:
        # 「羽田・成田で給油した分が4割、海外が6割」: a share said of something else (海外) is not
        # the one the programme asks about, once that one is named
        out.changes[default] = quantity(unlabelled[-1])


def _extract_company(norm: str, out: Extraction) -> None:
    no, yes = _SME_NO.search(norm), _SME_YES.search(_SME_NO.sub(" ", norm))
    if no and not yes:
        out.changes["is_sme"] = False
    elif yes and not no:
        out.changes["is_sme"] = True
    elif no and yes and PRETEND.search(norm):
        # 「大企業だけど中小企業ってことにして」: the size stated first is the true one.
        out.changes["is_sme"] = yes.start() < no.start()
    org = parse_org_type(_ORG_NOISE.sub(" ", norm))
    if org in (OrgType.sme_company, OrgType.large_company):
        if "is_sme" not in out.changes:
            org = None  # 「中小企業扱いになる？」 asks; it does not state the size
        else:  # 「中小企業ではなかった」 names the word but states the other size
            org = OrgType.sme_company if out.changes["is_sme"] else OrgType.large_company
    if org is not None and org in ORG_CHOICES:
        out.changes["org_type"] = ORG_CHOICES[org]
    elif "公益社団法人" in norm:
        out.changes["org_type"] = "public_interest_association"
    if "個人事業" in norm:
        out.changes["org_type"] = "sole_proprietor"
    employees = _EMPLOYEES.search(norm)
    if employees:
        digits = employees.group(5) or employees.group(7)
        out.changes["employees"] = int(digits.replace(",", ""))
    if _INDUSTRY_CUE.search(norm):
        industry = parse_industry(norm)
        if industry is not None:
            out.changes["industry"] = industry.value


def derive_sme(slots: dict[str, Any]) -> bool | None:
    """is_sme from industry, capital and employees (中小企業基本法), when those decide it."""
    if not any(slots.get(name) is not None for name in ("capital_yen", "employees")):
        return None
    from bot.tools.sme import IndustryClass

    industry = IndustryClass(slots["industry"]) if slots.get("industry") else None
    try:
        result = classify_sme(
            industry,
            slots.get("capital_yen"),
            slots.get("employees"),
            individual=slots.get("org_type") == "sole_proprietor",
        )
    except InputError:
        return None
    return result.is_sme


def answer_pending(text: str, fact_type: str) -> Any:
    """Read a short answer to the question just asked (「はい」, 「30です」, 「1,200万円」)."""
    norm = normalise(text).strip()
    if _UNSURE.search(norm):
        return None
    try:
        if fact_type == "bool":
            if _NO.search(norm):
                return False
            return True if _YES.search(norm) else None
        if fact_type == "tonnes":
            return quantity(parse_tonnes(norm))
        if fact_type == "percent":
            return quantity(parse_percent(norm))
        if fact_type == "yen":
            return parse_yen(norm)
    except InputError:
        return None
    return None
