"""Which programme a message is about, and what the user wants (the intent).

Programmes: the official name or an alias (strong), then the topic words each programme file
lists in its ``vocabulary`` (knowledge/programmes/*.yaml); retrieval is the engine's fallback.

Intents come from two inputs:

* keyword rules over the NFKC-normalised, lower-cased Japanese message — exact signals where
  they fire (「締切」, 「いくら」); several intents may match (「いくら？いつまで？」);
* the semantic router (:mod:`bot.agent.offline.router`), which reads the intent from the
  nearest example utterances of ``knowledge/intents.yaml`` — in Japanese and English.

They combine so that an exact signal is never overruled by a guess: a specific rule wins
outright (the router is not consulted); the router decides where no rule fires, or where only
the weak overview rule did (「教えて」, 「について」) and the router reads something else with
confidence, or reads chatter in a message with no domain word (「おすすめの本を教えて」). An
English message is read by the router alone (the rules are Japanese). When no rule fires and
the router is not confident, the detection is :attr:`Detection.unclear`: the engine asks one
clarifying question rather than guessing — unless the (Japanese) message is
:attr:`Detection.specific`, with enough content words for the documents to answer it
(「業者から『実質0円』と営業が来たけど大丈夫？」). The router is consulted only where its reading
can matter, and a Japanese message no rule decides is routed on first use of the reading: a
turn that the facts it states or the pending question decide (「30トンです」) never pays for
the embedding. Programme names are masked (「この制度」) before
routing: what is asked does not depend on which programme it is asked about.

Everything here is deterministic; :func:`detect` is pure given the router.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from bot.agent.matching import mentioned_programmes
from bot.agent.offline import language as english
from bot.agent.offline.router import IntentRouter, Routing, language
from bot.knowledge.intents import Intent, Language
from bot.knowledge.models import Programme

NAME_WEIGHT = 10
KEYWORD_WEIGHT = 2
WEAK_WEIGHT = 1

# --- intents ---------------------------------------------------------------------------------

_INTENT_RULES: tuple[tuple[Intent, str], ...] = (
    (
        "comparison",
        r"どれが(いい|良い|よい|得|有利|お得)|どの(区分|申請区分)|どっち|どちら(が|の方)|比較|比べ|"
        r"一番(得|有利|多く|高)|最も(有利|得)|有利な(区分|方)|区分.{0,6}(おすすめ|選)|(?<!間)違い|ちがい|(?<!間)違う|"
        r"差(は|が|って|も)|差額",
    ),
    (
        "amount",
        r"いくら|何円|なんえん|どのくらい(出|もら|補助|助成)|どれくらい(出|もら|補助|助成)|"
        r"どれだけ(出|もら)|(助成|補助)(額|金額|金は(いくら|どのくらい))|もらえる(金額|額)|"
        r"計算して|試算|見積もって|いくらに|どうなり(ます|そう)|どうなる|金額(は|を)|所要額|全額|満額|"
        r"(助成|補助)(金)?(額)?(は|って)[?？]",
    ),
    (
        "rate_cap",
        r"上限|限度額|助成率|補助率|何割|何分の|何パーセント|何%|率は|最大(で|いくら|何)|"
        r"(助成|補助)の?割合|9割|10割|満額",
    ),
    (
        "eligible_costs",
        r"(対象|助成対象|補助対象)?経費(は|って|に|の範囲)?(何|なに|どれ|どんな|どの|とは|教え|について|範囲|一覧)|"
        r"(何|どんな|どの|どういう)(経費|費用)|(何|どれ)が(対象|助成対象)|"
        r"(費|費用|代|料金|税|手数料)(は|も|って)?(対象|助成対象|補助対象|含ま|認め|助成され|補助され)|"
        r"対象外(の|な|になる)?(経費|費用)|含まれ|計上",
    ),
    (
        "eligibility",
        r"対象(に|と)な(る|り)|対象(です|でしょう)か|対象者|使え(る|ます)|申請(でき|可能|資格)|"
        r"応募(でき|資格)|利用(でき|可能)|該当(する|します|しま)|資格|要件|条件|受けられ|"
        r"(?<!いくら)(?<!くらい)(?<!ぐらい)(?<!だけ)もらえ(る|ます)(か|\?)|"
        r"対象\?",
    ),
    (
        "deadline",
        r"いつまで|いつから|締切|締め切|〆切|期限|受付(期間|中|状況|終了|は)|募集(期間|中|状況)|"
        r"申請期間|公募期間|間に合|まだ(申請|応募|間に)|次の(回|募集|受付)|第\d回|いつ(申請|応募|募集|開始)|"
        r"今(申請|応募)|開始(日|は)|終わ(り|っ)|年明け|年内|年度内|来月|今月|何月|いつ(ごろ|頃)|"
        r"採択(結果|は)",
    ),
    (
        "how_to_apply",
        r"何を(出|提出|用意)|必要(な)?書類|書類|提出物|申請方法|申請の(仕方|方法|流れ|手順)|"
        r"どうやって(申請|応募)|手続|申し込|申込|応募方法|どこに(出|提出|申請)|提出先|郵送|電子申請|"
        r"流れ|手順|どう(申請|応募)|紙で|パソコン|オンライン|登録(方法|の仕方|って|は)",
    ),
    (
        "contact",
        r"問い?合わ?せ|問合せ|連絡先|電話|窓口(は|って|を|の(電話|連絡|場所))|相談窓口|メール(アドレス)?|tel|相談先|"
        r"担当(部署|者)|番号|住所|宛先|"
        r"所在地|件名",
    ),
    (
        "overview",
        r"とは|って何|ってなに|概要|どんな(制度|事業|補助|助成|もの)|何ですか|なんですか|教えて|"
        r"説明|について|詳しく|内容",
    ),
)
_INTENT_PATTERNS = tuple((intent, re.compile(pattern)) for intent, pattern in _INTENT_RULES)
WEAK_RULES: frozenset[Intent] = frozenset({"overview"})  # 「教えて」「について」: a hint, not a signal
NOT_DOMAIN: frozenset[Intent] = frozenset({"out_of_scope", "greeting"})
PROGRAMME_PLACEHOLDER = "この制度"
# Words of two or more kanji, katakana or Latin letters: what the documents can be searched for.
_CONTENT_WORD = re.compile(r"[一-龥々〆]{2,}|[ァ-ヶー]{2,}|[a-z][a-z0-9\-]+")
SPECIFIC_WORDS = 3  # distinct content words from which an unclear Japanese message is searched

_FIND = re.compile(
    r"(どの|どんな|おすすめ|オススメ|使える|使えそうな|合う|該当する|利用できる|ある|申し?込める|申請できる|"
    r"応募できる|受けられる|もらえる|対象になる|出る|出せる)[^。?？、]{0,8}?(補助金|助成金|制度|支援策|支援制度|補助|助成)|"
    r"(補助金|助成金|制度|支援策|補助|助成|支援)(は|って|が|とか)?(何か)?(ある|あります|ない|ありますか|知りたい|探し)|"
    r"(制度|補助金|助成金|支援策|助成|補助)(の|を|は|、)?(一覧|全部|すべて|まとめて|それぞれ)"
)
_GREETING = re.compile(
    r"^(こんにちは|こんにちわ|こんばんは|おはよう(ございます)?|はじめまして|よろしく(お願いします)?|"
    r"ありがとう(ございます|ございました)?|どうも|hello|hi|hey|thanks?( you)?|サンキュー|"
    r"了解(です|しました)?|"
    r"わかりました|分かりました|なるほど|ok|おっけー)[!!。.、 〜ー]*$"
)
_THANKS = re.compile(r"ありがとう|助かりました|thank")
_OFF_TOPIC = re.compile(
    r"天気|気温|株価|株式投資|為替|ドル円|ビットコイン|仮想通貨|暗号資産|レシピ|料理|作り方|献立|"
    r"映画|ドラマ|アニメ|音楽|野球|サッカー|試合|占い|星座|恋愛|ダイエット|旅行|観光|ホテル予約|"
    r"株(?!式会社)|銘柄|ポエム|俳句|短歌|歌詞|作文|物語|詩を|"
    r"宿題|数学|翻訳|プログラミング|python|小説|詩を|ジョーク|冗談|ニュース|選挙|首相|大統領|"
    r"競馬|宝くじ|ゲーム|住宅ローン|確定申告|ふるさと納税|病気"
)
_CAPABILITIES = re.compile(
    r"(どんな|どの|何の|なんの)(補助金|助成金|制度|支援)[^。?？]{0,8}(相談|聞け|質問|対応|扱|わか|分か|教え)|"
    r"何(が|を)(でき|聞け|相談でき)|何について(相談|質問|聞)"
)
# Grants this advisor does not cover: other regions, other kinds of subsidy.
_ELSEWHERE = re.compile(
    r"(北海道|青森|岩手|宮城|秋田|山形|福島|茨城|栃木|群馬|埼玉|千葉|神奈川|横浜|川崎|新潟|富山|石川|福井|山梨|長野|"
    r"岐阜|静岡|愛知|名古屋|三重|滋賀|京都|大阪|兵庫|神戸|奈良|和歌山|鳥取|島根|岡山|広島|山口|徳島|香川|愛媛|高知|"
    r"福岡|佐賀|長崎|熊本|大分|宮崎|鹿児島|沖縄)(府|県|市|都)?[^。]{0,12}(補助|助成|支援金|給付)|"
    r"太陽光|ソーラー|蓄電池|電気自動車|ev(車|充電)|住宅|家庭用|リフォーム|改装|雇用|創業|it導入|ものづくり補助"
)


def _elsewhere_topic(norm: str, en: bool) -> tuple[str, bool] | None:
    """The region or subject of a grant this advisor does not cover (「大阪府の」「太陽光」), as
    the rule matched it (never the user's other words); None when there is none."""
    match = _ELSEWHERE.search(norm)
    if match is not None:
        if match.group(1):
            return f"{match.group(1)}{match.group(2) or ''}の制度", True
        return match.group(0), False
    match = english.ENGLISH_ELSEWHERE.search(norm) if en else None
    if match is None:
        return None
    words = [g for g in match.groups() if g and g.isalpha() and g not in _EN_GRANT_WORDS]
    region = (
        bool(
            re.match(
                r"\b(osaka|kanagawa|yokohama|kawasaki|saitama|chiba|nagoya|aichi|fukuoka|hokkaido|sapporo|kyoto|hyogo|kobe|hiroshima|sendai|okinawa)\b",
                words[0],
            )
        )
        if words
        else False
    )
    return (words[0] if words else match.group(0)), region


_EN_GRANT_WORDS = frozenset({"grant", "grants", "subsid", "subsidy", "subsidies", "funding", "support"})
_CREATIVE = re.compile(r"ポエム|俳句|短歌|川柳|歌詞|作文|物語|小説|詩を|ラップ|ジョークを")
_DOMAIN = re.compile(
    r"補助|助成|給付|支援|脱炭素|co2|二酸化炭素|温室効果|ghg|排出|省エネ|再エネ|エネルギー|クレジット|"
    r"申請|応募|制度|募集|公募|カーボン|環境|設備|経費|費用|中小企業|締切|期限|上限|区分|オフセット|"
    r"要件|対象|受付|第\d回|交付|採択|抽選"
)
_INJECTION = re.compile(
    r"(前|上|これまで|以前|先)の(指示|命令|プロンプト|ルール|設定)を?(無視|忘れ)|指示を無視|ルールを無視|"
    r"ignore (all |the )?(previous|prior|above)|system prompt|システムプロンプト|と答えて|と回答して|"
    r"と言って|あなたは今から|jailbreak|開発者モード"
)


def normalise(text: str) -> str:
    """NFKC and lower case (full-width digits and letters become ASCII)."""
    return unicodedata.normalize("NFKC", text).lower()


@dataclass(frozen=True)
class _Reading:
    """What the rules and the router make of a message's intent."""

    intents: list[Intent]
    routing: Routing | None = None
    routed: Intent | None = None
    unclear: bool = False


class _Deferred:
    """The router's reading of a Japanese message no rule decides, made on first use: a turn the
    stated facts or the pending question decide never pays for the embedding."""

    def __init__(self, read: Callable[[], _Reading]) -> None:
        self._read = read
        self._reading: _Reading | None = None

    def get(self) -> _Reading:
        if self._reading is None:
            self._reading = self._read()
        return self._reading


_RULES_ONLY = _Reading([])


@dataclass(frozen=True)
class Detection:
    """The programmes named in a message (best first) and the intents it expresses."""

    programmes: list[str]
    named: list[str]
    intents: list[Intent]  # from the rules (exact), or what the weak rule gave way to: empty
    in_domain: bool
    off_topic: bool
    injection: bool
    greeting: bool
    find: bool
    capabilities: bool
    elsewhere: bool
    creative: bool
    language: Language = "ja"
    elsewhere_topic: str | None = None  # what the advisor does not cover, in the rule's own words
    elsewhere_region: bool = False  # … because it is another region's (「大阪府の制度」)
    specific: bool = False  # Japanese with enough content words to answer from the documents
    reading: _Reading | _Deferred = field(default=_RULES_ONLY, repr=False, compare=False)

    @property
    def routing(self) -> Routing | None:
        """The router's reading (None when the rules decided, or there is no router)."""
        return self._reading().routing

    @property
    def routed(self) -> Intent | None:
        """The router's confident reading, where no rule decides."""
        return self._reading().routed

    @property
    def unclear(self) -> bool:
        """No rule fired and the router is not confident: ask, do not guess."""
        return self._reading().unclear

    def _reading(self) -> _Reading:
        return self.reading.get() if isinstance(self.reading, _Deferred) else self.reading


def topic_words(programme: Programme) -> list[tuple[str, int]]:
    """The programme's topic words (normalised) with their weights, from its ``vocabulary``."""
    vocabulary = programme.vocabulary
    strong = [(normalise(word), KEYWORD_WEIGHT) for word in vocabulary.topics]
    return strong + [(normalise(word), WEAK_WEIGHT) for word in vocabulary.weak_topics]


def detect_programmes(programmes: Mapping[str, Programme], text: str) -> tuple[list[str], list[str]]:
    """(programmes by score, best first; those named by name or alias)."""
    norm = normalise(text)
    named = mentioned_programmes(dict(programmes), text)
    scores: dict[str, int] = {pid: NAME_WEIGHT for pid in named}
    first: dict[str, int] = {}
    for pid, programme in programmes.items():
        for word, weight in topic_words(programme):
            position = norm.find(word)
            if position >= 0:
                scores[pid] = scores.get(pid, 0) + weight
                first[pid] = min(first.get(pid, position), position)
    for pid in named:
        names = [programmes[pid].name.value, *programmes[pid].aliases]
        positions = [norm.find(normalise(name)) for name in names]
        first[pid] = min([p for p in positions if p >= 0] or [0])
    # A weak word alone (「クレジット」) does not name a programme when a stronger one is present.
    strong = [pid for pid, score in scores.items() if score >= KEYWORD_WEIGHT]
    # A programme the message names comes before one whose topic words it only uses (「ゼロエミの助成
    # で、オフセットした商品のPR費用も出る？」 asks about ゼロエミ).
    pool = set(strong or scores) | set(named)
    ranked = sorted(pool, key=lambda pid: (pid not in named, -scores[pid], first.get(pid, 0), pid))
    return ranked, named


def detect_intents(text: str) -> list[Intent]:
    """Every intent whose rule matches, in the fixed priority order of the rules."""
    norm = normalise(text)
    return [intent for intent, pattern in _INTENT_PATTERNS if pattern.search(norm)]


def mask_programmes(programmes: Mapping[str, Programme], text: str) -> str:
    """The message with every programme name and alias replaced by 「この制度」 (NFKC)."""
    names = {normalise(n) for p in programmes.values() for n in (p.name.value, *p.aliases) if n}
    masked = unicodedata.normalize("NFKC", text)
    for name in sorted(names, key=lambda n: (-len(n), n)):
        masked = re.sub(re.escape(name), PROGRAMME_PLACEHOLDER, masked, flags=re.IGNORECASE)
    return masked


def _read_intents(
    programmes: Mapping[str, Programme],
    text: str,
    lang: Language,
    router: IntentRouter | None,
    domain_words: bool,
) -> _Reading | _Deferred:
    """Combine the keyword rules and the router (see the module docstring)."""
    rules = detect_intents(text) if lang == "ja" else english.english_intents(text)
    if router is None or not set(rules) <= WEAK_RULES:
        return _Reading(rules)

    def route() -> Routing:
        return router.route(mask_programmes(programmes, text))

    if not rules and lang == "ja":
        return _Deferred(lambda: _confident_or_unclear(route()))
    routing = route()  # English (its domain is the router's to say), or the weak rule
    if rules:  # only the weak rule fired: it gives way to a confident reading, or to chatter
        chatter = routing.best == "out_of_scope" and not domain_words  # 「おすすめの本を教えて」
        if chatter or (routing.confident and routing.best not in rules):
            routed = routing.best if routing.confident else None
            return _Reading([], routing, routed, unclear=routed is None)
        return _Reading(rules, routing)
    return _confident_or_unclear(routing)


def _confident_or_unclear(routing: Routing) -> _Reading:
    if routing.confident:
        return _Reading([], routing, routing.best)
    return _Reading([], routing, unclear=True)


def detect(
    programmes: Mapping[str, Programme],
    text: str,
    router: IntentRouter | None = None,
    lang: Language | None = None,
) -> Detection:
    """Programmes and intents of one message, with the scope flags; ``router`` (optional) reads
    the intent where the keyword rules do not decide it (see the module docstring); ``lang``: the
    turn's language (default: read from the message alone)."""
    norm = normalise(text).strip()
    ranked, named = detect_programmes(programmes, text)
    lang = lang or language(text)
    en = lang == "en"
    domain_words = (
        bool(ranked) or bool(_DOMAIN.search(norm)) or (en and bool(english.ENGLISH_DOMAIN.search(norm)))
    )
    reading = _read_intents(programmes, text, lang, router, domain_words)
    routing = reading.routing if isinstance(reading, _Reading) else None
    # An English question has none of the (Japanese) domain words: there the router's reading
    # says whether it is about grants — unless it reads chatter or a greeting, or chatter is a
    # close second.
    routed_domain = (
        lang == "en"
        and routing is not None
        and routing.best not in NOT_DOMAIN
        and (routing.confident or routing.runner_up != "out_of_scope")
    )
    in_domain = domain_words or routed_domain
    greeting = bool(_GREETING.match(norm) or (en and english.ENGLISH_GREETING.match(norm)))
    greeting = greeting or (bool(_THANKS.search(norm)) and len(norm) <= 20)
    elsewhere = _elsewhere_topic(norm, en)
    return Detection(
        programmes=ranked,
        named=named,
        intents=reading.intents if isinstance(reading, _Reading) else [],
        in_domain=in_domain,
        off_topic=bool(_OFF_TOPIC.search(norm) or (en and english.ENGLISH_OFF_TOPIC.search(norm))),
        injection=bool(_INJECTION.search(norm)),
        greeting=greeting,
        find=bool(_FIND.search(norm) or (en and english.ENGLISH_FIND.search(norm))) and not named,
        capabilities=bool(_CAPABILITIES.search(norm) or (en and english.ENGLISH_CAPABILITIES.search(norm))),
        elsewhere=elsewhere is not None and not ranked,
        elsewhere_topic=elsewhere[0] if elsewhere else None,
        elsewhere_region=bool(elsewhere and elsewhere[1]),
        creative=bool(_CREATIVE.search(norm)),
        language=lang,
        reading=reading,
        specific=lang == "ja" and len(set(_CONTENT_WORD.findall(norm))) >= SPECIFIC_WORDS,
    )
