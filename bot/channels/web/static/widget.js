/*! 脱炭素補助金アドバイザー chat widget | grant-advisor | no dependencies, no build step.
 *
 * Embed with one tag:
 *   <script src="https://HOST/widget.js" data-title="脱炭素補助金アドバイザー" data-lang="ja" defer></script>
 * Everything lives in an open shadow root, styles included. Server text is rendered by
 * building DOM nodes (textContent / createElement) — never innerHTML. See docs/widget.md.
 */
(() => {
  "use strict";
  if (window.GrantAdvisorWidget) return; // the tag was included twice

  const VERSION = "1.0.0";
  const IDLE_TIMEOUT_MS = 90000; // no byte from the server for this long → give up
  const MAX_TURNS = 40; // turns kept in storage
  const MAX_AGE_MS = 30 * 24 * 3600 * 1000; // stored conversations older than this are dropped
  const SOURCES_SHOWN = 3; // citations visible before 「ほかN件を表示」
  const POLL_MS = 3000; // while a person has the conversation: how often to look for their replies
  // The advisor offers a person when it could not answer, or when the user asks for one.
  const RE_REFUSAL = /お答えできません|お答えしかねます|回答できません|わかりかねます|分かりかねます|見つかりませんでした|記載が(?:ありません|見当たりません)/;
  const RE_PERSON = /人と話|人間と話|担当(?:者|の方)|オペレーター|有人|スタッフ(?:と|に)|電話で(?:相談|話)|直接(?:相談|話)|相談員|窓口の(?:方|人)/;

  const script =
    document.currentScript ||
    Array.from(document.scripts).find((s) => /\/widget\.js(?:[?#]|$)/.test(s.src));
  const data = (script && script.dataset) || {};
  const lang = data.lang === "en" ? "en" : "ja";
  const apiBase = (() => {
    try {
      if (data.api) return new URL(data.api, location.href).href.replace(/\/+$/, "");
      return new URL(script.src, location.href).origin;
    } catch {
      return location.origin;
    }
  })();

  // ------------------------------------------------------------------------------------------
  // Strings
  // ------------------------------------------------------------------------------------------
  const STRINGS = {
    ja: {
      title: "脱炭素補助金アドバイザー",
      subtitle: "出典つきで補助金をご案内します",
      launcher: "補助金を相談",
      open: (t) => `${t}を開く`,
      close: "閉じる",
      closeChat: (t) => `${t}を閉じる`,
      newChat: "新しい会話を始める",
      newChatDone: "新しい会話を始めました。",
      log: "会話",
      you: "あなた：",
      bot: "アドバイザー：",
      hello: "こんにちは。",
      welcome:
        "東京都や国の脱炭素・省エネの補助金について、対象になるか、いくら受け取れるか、締切はいつかを、公開資料の出典つきでご案内します。",
      startersLabel: "よくあるご質問",
      starters: [
        "省エネ設備の補助金の助成率は？",
        "補助金の対象になるか確認したい",
        "申請の締切はいつ？",
        "今申請できる制度は？",
      ],
      input: "ご質問",
      placeholder: "ご質問を入力してください",
      keys: "Enterで送信、Shift+Enterで改行します。",
      send: "送信",
      disclaimer: "回答は公開資料にもとづく参考情報です。申請前に必ず最新の募集要項をご確認ください。",
      thinking: "考え中…",
      sources: "出典",
      moreSources: (n) => `ほか${n}件の出典を表示`,
      lessSources: "出典を折りたたむ",
      calc: "計算の内訳",
      step: "手順",
      detail: "内容",
      amount: "助成額",
      rate: "助成率",
      cap: "上限",
      capped: "上限額を適用",
      asOf: (d) => `${d}時点の情報です。`,
      followUps: "確認させてください",
      yes: "はい",
      no: "いいえ",
      replyTo: "入力して回答する",
      answering: "回答中の質問：",
      answerPlaceholder: "ここに回答を入力してください",
      cancelAnswer: "質問への回答をやめる",
      copy: "コピー",
      copyLabel: "回答をコピー",
      copied: "コピーしました",
      copyFailed: "コピーできませんでした",
      up: "役に立った",
      down: "役に立たなかった",
      thanks: "ありがとうございました",
      commentLabel: "よろしければ、足りなかった点をお聞かせください（任意）",
      commentSend: "送信する",
      feedbackFailed: "送信できませんでした。もう一度お試しください。",
      retry: "再試行",
      retryIn: (n) => `再試行（${n}秒）`,
      failedNote: "送信できませんでした",
      restored: "入力した内容は入力欄に戻しました。",
      errNetwork: "サーバーに接続できませんでした。通信環境をご確認のうえ、もう一度お試しください。",
      errBusy: (n) => `混み合っています。${n}秒後にもう一度お試しください。`,
      errServer: "サーバーでエラーが発生しました。しばらくしてから、もう一度お試しください。",
      errRequest: "このご質問は送信できませんでした。内容を変えて、もう一度お試しください。",
      errInterrupted: "回答の受信が途中で途切れました。もう一度お試しください。",
      errTimeout: "応答に時間がかかりすぎています。もう一度お試しください。",
      newTab: "（新しいタブで開きます）",
      table: "表",
      date: (y, m, d) => `${y}年${m}月${d}日`,
      yen: (n) => `${n.toLocaleString("ja-JP")}円`,
      man: (n) => `（${(n / 10000).toLocaleString("ja-JP")}万円）`,
      handoff: "担当者に相談する",
      offer: "担当者に直接ご相談いただくこともできます。",
      staff: "担当者",
      hoStarted: "担当者に引き継ぎました。これまでの会話の内容をお伝えしています。返信をお待ちください。",
      hoActive: "担当者が対応します。メッセージは担当者に届きます。",
      hoPlaceholder: "担当者へのメッセージを入力",
      hoEnded: "担当者との会話が終了しました。引き続きアドバイザーがお答えします。",
      hoUnavailable: "現在、担当者におつなぎできません。お手数ですが、各制度の問い合わせ窓口にご連絡ください。",
      contacts: "お問い合わせ窓口",
      phone: "電話",
      hours: "受付時間",
      mail: "メール",
      web: "Webサイト・問い合わせフォーム",
    },
    en: {
      title: "Decarbonisation Grant Advisor",
      subtitle: "Grant guidance with sources",
      launcher: "Ask about grants",
      open: (t) => `Open ${t}`,
      close: "Close",
      closeChat: (t) => `Close ${t}`,
      newChat: "Start a new conversation",
      newChatDone: "Started a new conversation.",
      log: "Conversation",
      you: "You: ",
      bot: "Advisor: ",
      hello: "Hello.",
      welcome:
        "Ask about Tokyo and national decarbonisation and energy-saving grants: who qualifies, how much you can receive and the deadlines — with sources. Questions in English are answered in English (document titles and quotes stay Japanese).",
      startersLabel: "Common questions",
      starters: [
        "What is the subsidy rate for energy-saving equipment?",
        "Are we eligible for a grant?",
        "When is the application deadline?",
        "Which grants are open now?",
      ],
      input: "Your question",
      placeholder: "Type your question",
      keys: "Enter sends, Shift+Enter adds a new line.",
      send: "Send",
      disclaimer: "Answers are for reference, based on public documents. Check the official guidelines before applying.",
      thinking: "Thinking…",
      sources: "Sources",
      moreSources: (n) => `Show ${n} more sources`,
      lessSources: "Show fewer sources",
      calc: "Calculation",
      step: "Step",
      detail: "Detail",
      amount: "Grant",
      rate: "rate",
      cap: "cap",
      capped: "capped",
      asOf: (d) => `Information as of ${d}.`,
      followUps: "Please tell me",
      yes: "Yes",
      no: "No",
      replyTo: "Type an answer",
      answering: "Answering: ",
      answerPlaceholder: "Type your answer here",
      cancelAnswer: "Stop answering this question",
      copy: "Copy",
      copyLabel: "Copy the answer",
      copied: "Copied",
      copyFailed: "Could not copy",
      up: "Helpful",
      down: "Not helpful",
      thanks: "Thank you!",
      commentLabel: "What was missing? (optional)",
      commentSend: "Send",
      feedbackFailed: "Could not send. Please try again.",
      retry: "Retry",
      retryIn: (n) => `Retry (${n}s)`,
      failedNote: "Not sent",
      restored: "Your message is back in the input box.",
      errNetwork: "Could not reach the server. Check your connection and try again.",
      errBusy: (n) => `The service is busy. Please try again in ${n} seconds.`,
      errServer: "The server had an error. Please try again in a moment.",
      errRequest: "This message could not be sent. Please rephrase it and try again.",
      errInterrupted: "The answer was cut off. Please try again.",
      errTimeout: "The server is taking too long. Please try again.",
      newTab: " (opens in a new tab)",
      table: "Table",
      date: (y, m, d) => `${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`,
      yen: (n) => `¥${n.toLocaleString("en-US")}`,
      man: () => "",
      handoff: "Talk to a person",
      offer: "You can also ask a staff member.",
      staff: "Staff",
      hoStarted: "A staff member has been asked to join and can see this conversation. Please wait for their reply.",
      hoActive: "A staff member is handling this conversation; your messages go to them.",
      hoPlaceholder: "Type a message to the staff member",
      hoEnded: "The staff member has closed the conversation. The advisor will answer from here.",
      hoUnavailable: "No staff member can be reached right now. Please contact the programme's desk.",
      contacts: "Contact desks",
      phone: "Phone",
      hours: "Hours",
      mail: "Email",
      web: "Website / enquiry form",
    },
  };
  const T = STRINGS[lang];
  const EN_PROGRESS = {
    search_documents: "Searching…",
    calculate_grant: "Calculating…",
    check_eligibility: "Checking eligibility…",
    application_status: "Checking deadlines…",
  };
  const title = (data.title || "").trim() || T.title;

  // ------------------------------------------------------------------------------------------
  // Styles (all inside the shadow root; px units only, so the host page's rem cannot leak in)
  // ------------------------------------------------------------------------------------------
  const ACCENT = "#0a6b4d";
  const CSS = `
:host{all:initial!important;display:block!important;position:static!important;visibility:visible!important;opacity:1!important;transform:none!important;filter:none!important}
*,*::before,*::after{box-sizing:border-box}
[hidden]{display:none!important}
.root{all:initial;display:block;font-family:system-ui,-apple-system,"Segoe UI","Hiragino Sans","Hiragino Kaku Gothic ProN","Noto Sans JP","Noto Sans CJK JP","Yu Gothic UI",Meiryo,sans-serif;font-size:15px;line-height:1.7;color:#1b1f1d;font-weight:400;letter-spacing:normal;text-align:left;-webkit-text-size-adjust:100%;text-size-adjust:100%}
button,textarea{font:inherit;color:inherit;letter-spacing:inherit;margin:0}
button{cursor:pointer}
button:disabled{cursor:default}
:focus{outline:none}
:focus-visible{outline:3px solid #1d4ed8;outline-offset:2px}
.sr{position:absolute!important;width:1px!important;height:1px!important;padding:0!important;margin:-1px!important;overflow:hidden!important;clip:rect(0 0 0 0)!important;clip-path:inset(50%)!important;white-space:nowrap!important;border:0!important}
.ic{width:20px;height:20px;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round;flex:none}
.launcher{position:fixed;right:20px;bottom:calc(20px + env(safe-area-inset-bottom));z-index:2147483000;display:inline-flex;align-items:center;gap:8px;height:56px;min-width:56px;padding:0 20px 0 16px;border:0;border-radius:28px;background:${ACCENT};color:#fff;font-size:15px;font-weight:700;line-height:1;box-shadow:0 6px 20px rgba(0,0,0,.28);transition:transform .15s ease,background-color .15s ease}
.launcher:hover{background:#08583f;transform:translateY(-1px)}
.launcher .ic{width:24px;height:24px}
.launcher .ic-x,.launcher.open .ic-chat,.launcher.open .lbl{display:none}
.launcher.open{padding:0;justify-content:center;width:56px}
.launcher.open .ic-x{display:block}
.panel{position:fixed;right:20px;bottom:calc(88px + env(safe-area-inset-bottom));z-index:2147483001;width:400px;max-width:calc(100vw - 40px);height:680px;max-height:calc(100vh - 112px);display:flex;flex-direction:column;background:#fff;border:1px solid #c9d3ce;border-radius:16px;box-shadow:0 16px 48px rgba(0,0,0,.28);overflow:hidden;animation:ga-in .18s ease-out}
@keyframes ga-in{from{opacity:0;transform:translateY(12px)}to{opacity:1;transform:none}}
@media (max-width:480px){
.panel{inset:0;width:100%;max-width:none;height:100%;max-height:none;border:0;border-radius:0;box-shadow:none}
.launcher.open{display:none}
}
.head{display:flex;align-items:center;gap:10px;padding:10px 8px 10px 14px;background:${ACCENT};color:#fff;flex:none}
.head :focus-visible{outline-color:#fff}
.avatar{display:grid;place-items:center;width:36px;height:36px;border-radius:50%;background:#fff;color:${ACCENT};flex:none}
.titles{flex:1;min-width:0}
.title{margin:0;font-size:16px;font-weight:700;line-height:1.35;color:#fff;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.sub{margin:0;font-size:12px;line-height:1.4;color:#e3f2ec}
.hbtn{display:grid;place-items:center;width:44px;height:44px;border:0;border-radius:10px;background:transparent;color:#fff;flex:none}
.hbtn:hover{background:rgba(255,255,255,.16)}
.log{position:relative;flex:1;min-height:0;overflow-y:auto;overscroll-behavior:contain;padding:16px 14px 8px;background:#f5f8f6}
.msg{display:flex;flex-direction:column;margin:0 0 14px}
.msg.user{align-items:flex-end}
.bubble{max-width:100%;overflow-wrap:anywhere}
.user .bubble{max-width:85%;padding:9px 14px;border-radius:16px 16px 4px 16px;background:${ACCENT};color:#fff;white-space:pre-wrap}
.user.failed .bubble{background:#5d6b65}
.note{margin-top:4px;font-size:12px;color:#8a1c12}
.bot .bubble{width:100%;padding:12px 14px;border:1px solid #d9e1dd;border-radius:16px 16px 16px 4px;background:#fff}
.status{display:flex;align-items:center;gap:10px;color:#46524c;font-size:14px}
.dots{display:inline-flex;gap:4px}
.dots i{width:7px;height:7px;border-radius:50%;background:${ACCENT};animation:ga-dot 1s infinite ease-in-out}
.dots i:nth-child(2){animation-delay:.15s}.dots i:nth-child(3){animation-delay:.3s}
@keyframes ga-dot{0%,80%,100%{opacity:.25;transform:scale(.8)}40%{opacity:1;transform:none}}
.md>:first-child{margin-top:0}.md>:last-child{margin-bottom:0}
.md p{margin:0 0 8px}
.md.plain{white-space:pre-wrap}
.md h3,.md h4,.md h5,.md h6{margin:14px 0 6px;line-height:1.45;color:#10201a}
.md h3{font-size:16.5px}.md h4{font-size:15.5px}.md h5,.md h6{font-size:15px}
.md ul,.md ol{margin:0 0 8px;padding-left:22px}
.md li{margin:2px 0}
.md li>ul,.md li>ol{margin:2px 0}
.md strong{font-weight:700}
.md code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px;background:#eef2f0;border-radius:4px;padding:1px 4px}
.md pre{margin:0 0 8px;padding:10px;background:#eef2f0;border-radius:8px;overflow-x:auto;white-space:pre}
.md pre code{padding:0;background:none}
.md blockquote{margin:0 0 8px;padding:2px 0 2px 12px;border-left:3px solid #8fb3a4;color:#34413b}
.md hr{border:0;border-top:1px solid #dfe6e2;margin:12px 0}
a{color:#0b57d0;text-decoration:underline;text-underline-offset:2px}
a:hover{color:#0842a0}
.tw{overflow-x:auto;margin:0 0 10px;max-width:100%}
table{border-collapse:collapse;font-size:13px;line-height:1.55;min-width:100%}
th,td{border:1px solid #d2dcd7;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#edf4f0;font-weight:700}
.nw{white-space:nowrap}
caption{caption-side:top;text-align:left;font-weight:700;font-size:14px;padding:0 0 6px;color:#10201a}
.calc th:first-child{text-align:center;white-space:nowrap;width:1%}
.calc tfoot th,.calc tfoot td{background:#e4f1eb}
.calc .sum{font-size:15px;font-weight:700}
.calc .sub2{display:block;font-size:12px;color:#3f4b45}
.sources{margin-top:12px;padding-top:10px;border-top:1px solid #e3e9e6;font-size:13px;line-height:1.55}
.sources h4{margin:0 0 6px;font-size:13px;font-weight:700;color:#34413b}
.sources ol{list-style:none;margin:0;padding:0}
.sources ol>li{display:grid;grid-template-columns:auto 1fr;column-gap:6px;margin:0 0 8px}
.parts{list-style:none;margin:2px 0 0;padding:0}
.parts li{margin:0 0 3px;padding-left:8px;border-left:2px solid #dfe6e2}
.num{color:#46524c;font-variant-numeric:tabular-nums}
.sec{display:block;color:#46524c;font-size:12px}
.quote{display:block;color:#46524c;font-size:12px;overflow:hidden;display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical}
.more{margin:2px 0 0;padding:4px 0;border:0;background:none;color:#0b57d0;font-size:13px;text-decoration:underline}
.meta{margin:10px 0 0;font-size:12px;color:#46524c}
.actions{display:flex;flex-wrap:wrap;align-items:center;gap:6px;margin-top:10px}
.abtn{display:inline-flex;align-items:center;gap:5px;min-height:36px;padding:0 11px;border:1px solid #c3cec9;border-radius:18px;background:#fff;color:#2c3833;font-size:13px;line-height:1}
.abtn .ic{width:16px;height:16px}
.abtn:hover:not(:disabled){background:#eef5f1}
.abtn[aria-pressed=true]{background:#dcefe6;border-color:${ACCENT};color:#08452f}
.abtn:disabled:not([aria-pressed=true]){opacity:.55}
.fbmsg{font-size:13px;color:#08452f}
.fbmsg.err{color:#8a1c12}
.cform{display:flex;flex-direction:column;gap:6px;margin-top:8px;font-size:13px}
.cform textarea{width:100%;min-height:60px;padding:8px 10px;border:1px solid #9fb0a8;border-radius:8px;font-size:16px;line-height:1.5;resize:vertical;background:#fff}
.cform .abtn{align-self:flex-start}
.follow{margin-top:10px}
.follow p{margin:0 0 6px;font-size:13px;font-weight:700;color:#34413b}
.chips{display:flex;flex-wrap:wrap;gap:6px}
.chip{max-width:100%;padding:7px 13px;border:1px solid ${ACCENT};border-radius:18px;background:#fff;color:#08452f;font-size:13px;line-height:1.45;text-align:left}
.chip:hover{background:#e6f3ed}
.chip.q{display:inline-flex;align-items:center;gap:5px}
.chip .ic{width:15px;height:15px}
.follow .fq{font-weight:400;font-size:13.5px;color:#1b1f1d;margin:0 0 8px}
.welcome{padding:14px;border:1px solid #d9e1dd;border-radius:16px;background:#fff;margin-bottom:14px}
.welcome .hi{margin:0 0 4px;font-weight:700;font-size:16px}
.welcome p{margin:0 0 10px}
.welcome .lbl2{margin:12px 0 6px;font-size:13px;font-weight:700;color:#34413b}
.error{margin:0 0 14px;padding:10px 12px;border:1px solid #efb4ab;border-radius:12px;background:#fdeeec;color:#7a1a10;font-size:14px}
.error p{margin:0 0 8px}
.error .small{font-size:13px}
.rbtn{display:inline-flex;align-items:center;gap:6px;min-height:36px;padding:0 14px;border:1px solid #7a1a10;border-radius:18px;background:#fff;color:#7a1a10;font-size:14px;font-weight:700}
.rbtn .ic{width:16px;height:16px}
.rbtn:disabled{opacity:.6}
.composer{flex:none;padding:10px 12px calc(8px + env(safe-area-inset-bottom));border-top:1px solid #dbe3df;background:#fff}
.ctx{display:flex;align-items:flex-start;gap:6px;margin:0 0 8px;padding:6px 6px 6px 10px;border-radius:8px;background:#eaf4ef;color:#22302a;font-size:12px;line-height:1.5}
.ctx span{flex:1;min-width:0}
.ctx button{display:grid;place-items:center;width:28px;height:28px;border:0;border-radius:6px;background:transparent;color:#22302a;flex:none}
.ctx .ic{width:14px;height:14px}
.row{display:flex;align-items:flex-end;gap:8px}
.input{flex:1;min-width:0;height:46px;min-height:46px;max-height:160px;padding:10px 12px;border:1px solid #8d9f97;border-radius:12px;background:#fff;color:#1b1f1d;font-size:16px;line-height:1.5;resize:none;overflow-y:auto}
.input::placeholder{color:#5b6862;opacity:1}
.input:focus-visible{outline:2px solid #1d4ed8;outline-offset:0;border-color:#1d4ed8}
.send{display:grid;place-items:center;width:46px;height:46px;border:0;border-radius:50%;background:${ACCENT};color:#fff;flex:none}
.send:hover:not(:disabled){background:#08583f}
.send:disabled{background:#b9c6c0}
.hint{margin:6px 2px 0;font-size:11.5px;line-height:1.5;color:#46524c}
.foot{display:flex;align-items:flex-start;gap:8px}
.foot .hint{flex:1;min-width:0}
.ho{flex:none;display:inline-flex;align-items:center;gap:4px;min-height:30px;margin-top:5px;padding:2px 10px;border:1px solid ${ACCENT};border-radius:15px;background:#fff;color:#08452f;font-size:12px;line-height:1.3}
.ho .ic,.chip .ic{width:15px;height:15px}
.ho:hover:not(:disabled){background:#e6f3ed}
.ho:disabled{opacity:.55}
.hobar{display:flex;align-items:center;gap:6px;margin:0 0 8px;padding:6px 10px;border-radius:8px;background:#e8f0fb;color:#1d3557;font-size:12.5px;line-height:1.5}
.hobar .ic{width:16px;height:16px}
.msg.staff .bubble{width:100%;padding:10px 14px;border:1px solid #b9cbe6;border-radius:16px 16px 16px 4px;background:#f3f7fd}
.who{display:flex;align-items:center;gap:4px;margin:0 0 4px;font-size:12px;font-weight:700;color:#1d4e89}
.who .ic{width:14px;height:14px}
.sys{margin:0 0 14px;text-align:center;font-size:12.5px;line-height:1.5;color:#34413b}
.sys span{display:inline-block;max-width:92%;padding:5px 12px;border-radius:12px;background:#e6ece9}
.offer{margin-top:10px}
.offer p{margin:0 0 6px;font-size:13px;color:#34413b}
.cbox{margin:0 0 14px;padding:10px 12px;border:1px solid #d9e1dd;border-radius:12px;background:#fff;font-size:13px;line-height:1.55}
.cbox>p{margin:0 0 8px}
.cbox h4{margin:8px 0 4px;font-size:13px}
.cbox ul{list-style:none;margin:0;padding:0}
.cbox li{margin:0 0 6px;padding-left:8px;border-left:2px solid #dfe6e2}
.cbox .sec{font-size:12px}
@media (prefers-reduced-motion:reduce){*{animation:none!important;transition:none!important}}
@media print{.root{display:none}}
`;

  // ------------------------------------------------------------------------------------------
  // DOM helpers — text always goes through text nodes; attributes are fixed names only
  // ------------------------------------------------------------------------------------------
  function h(tag, props, ...kids) {
    const e = document.createElement(tag);
    if (props) {
      for (const k of Object.keys(props)) {
        const v = props[k];
        if (v == null || v === false) continue;
        if (k === "class") e.className = v;
        else if (k === "text") e.textContent = v;
        else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
        else e.setAttribute(k, v === true ? "" : String(v));
      }
    }
    for (const kid of kids) if (kid != null && kid !== false) e.append(kid);
    return e;
  }
  const SVG_NS = "http://www.w3.org/2000/svg";
  const ICONS = {
    chat: "M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z|M8 9h8|M8 13h5",
    x: "M18 6 6 18|M6 6l12 12",
    edit: "M12 20h9|M16.5 3.5a2.12 2.12 0 0 1 3 3L7 19l-4 1 1-4z",
    send: "M22 2 11 13|M22 2l-7 20-4-9-9-4z",
    copy: "M9 9h11v11H9z|M5 15H4V4h11v1",
    check: "M20 6 9 17l-5-5",
    up: "M7 10v11|M14 5.9 13 10h5.8a2 2 0 0 1 1.9 2.6l-2.3 7A2 2 0 0 1 16.5 21H4a1 1 0 0 1-1-1v-9a1 1 0 0 1 1-1h2.8a2 2 0 0 0 1.8-1.1L12 2a3.1 3.1 0 0 1 2 3.9z",
    down: "M17 14V3|M10 18.1 11 14H5.2a2 2 0 0 1-1.9-2.6l2.3-7A2 2 0 0 1 7.5 3H20a1 1 0 0 1 1 1v9a1 1 0 0 1-1 1h-2.8a2 2 0 0 0-1.8 1.1L12 22a3.1 3.1 0 0 1-2-3.9z",
    retry: "M1 4v6h6|M3.5 15a9 9 0 1 0 2.1-9.4L1 10",
    person: "M20 21v-2a4 4 0 0 0-4-4H8a4 4 0 0 0-4 4v2|M16 7a4 4 0 1 1-8 0 4 4 0 0 1 8 0z",
    leaf: "M11 20A7 7 0 0 1 9.8 6.1C15.5 5 17 4.5 19 2c1 2 2 4.2 2 8 0 5.5-4.8 10-10 10z|M2 21c0-3 1.9-5.4 5.1-6",
  };
  function icon(name, cls) {
    const svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", "ic" + (cls ? " " + cls : ""));
    for (const d of ICONS[name].split("|")) {
      const p = document.createElementNS(SVG_NS, "path");
      p.setAttribute("d", d);
      svg.append(p);
    }
    return svg;
  }
  const str = (v) => (typeof v === "string" ? v : "");
  const num = (v) => (typeof v === "number" && Number.isFinite(v) ? v : null);
  const list = (v) => (Array.isArray(v) ? v : []);

  // ------------------------------------------------------------------------------------------
  // Safe Markdown subset → DOM: headings, bold, lists, tables, links (http/https only), inline
  // code, code blocks, paragraphs, blockquotes, rules. Unknown syntax stays literal text.
  // ------------------------------------------------------------------------------------------
  const RE_FENCE = /^\s{0,3}(`{3,}|~{3,})/;
  const RE_HEADING = /^\s{0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$/;
  const RE_RULE = /^\s{0,3}([-*_])(?:\s*\1){2,}\s*$/;
  const RE_QUOTE = /^\s{0,3}>\s?/;
  const RE_ITEM = /^(\s*)([-*+•]|\d{1,9}[.)])\s+(.*)$/;
  const RE_TABLE_SEP = /^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$/;
  const RE_LINK = /\[([^\]\n]{1,500})\]\(\s*<?([^\s()<>]+)>?(?:\s+"[^"\n]*")?\s*\)/y;
  const RE_AUTOLINK = /<(https?:\/\/[^\s<>]+)>/iy;
  const RE_URL = /https?:\/\/[^\s<>"'`（）「」『』【】、。，！？]+/iy;
  const MAX_DEPTH = 6;
  const SHORT_CELL = 10; // table cells this short do not wrap (the table scrolls sideways instead)

  function safeUrl(raw) {
    try {
      const u = new URL(raw);
      return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
    } catch {
      return null;
    }
  }

  /** A link to an http(s) URL opening in a new tab; any other scheme leaves just the text.
   * ``depth`` < 0 marks a bare URL, whose text is not parsed again. */
  function link(text, raw, parent, depth) {
    const href = safeUrl(raw);
    const target = href ? h("a", { href, target: "_blank", rel: "noopener noreferrer nofollow" }) : parent;
    if (depth < 0) target.append(text);
    else inline(text, target, MAX_DEPTH); // link text: code and escapes only (no nested links)
    if (href) {
      target.append(h("span", { class: "sr", text: T.newTab }));
      parent.append(target);
    }
  }

  function inline(text, parent, depth = 0) {
    let buf = "";
    let i = 0;
    const flush = () => {
      if (buf) parent.append(document.createTextNode(buf));
      buf = "";
    };
    while (i < text.length) {
      const c = text[i];
      if (c === "\\" && i + 1 < text.length && /[\\`*_[\]()#+\-.!|<>~]/.test(text[i + 1])) {
        buf += text[i + 1];
        i += 2;
        continue;
      }
      if (c === "`") {
        const j = text.indexOf("`", i + 1);
        if (j > i + 1) {
          flush();
          parent.append(h("code", { text: text.slice(i + 1, j) }));
          i = j + 1;
          continue;
        }
      }
      if ((c === "*" || c === "_") && text[i + 1] === c && depth < MAX_DEPTH) {
        const j = text.indexOf(c + c, i + 2);
        if (j > i + 2) {
          flush();
          const strong = h("strong");
          inline(text.slice(i + 2, j), strong, depth + 1);
          parent.append(strong);
          i = j + 2;
          continue;
        }
      }
      if (c === "[" && depth < MAX_DEPTH) {
        RE_LINK.lastIndex = i;
        const m = RE_LINK.exec(text);
        if (m) {
          flush();
          link(m[1], m[2], parent, depth);
          i = RE_LINK.lastIndex;
          continue;
        }
      }
      if (c === "<" && depth < MAX_DEPTH) {
        RE_AUTOLINK.lastIndex = i;
        const m = RE_AUTOLINK.exec(text);
        if (m) {
          flush();
          link(m[1], m[1], parent, -1);
          i = RE_AUTOLINK.lastIndex;
          continue;
        }
      }
      if ((c === "h" || c === "H") && depth < MAX_DEPTH && !/[A-Za-z0-9]/.test(text[i - 1] || "")) {
        RE_URL.lastIndex = i;
        const m = RE_URL.exec(text);
        if (m) {
          const url = m[0].replace(/[.,;:!?)\]]+$/, "");
          flush();
          link(url, url, parent, -1);
          i += url.length;
          continue;
        }
      }
      buf += c;
      i += 1;
    }
    flush();
  }

  function splitRow(line) {
    let s = line.trim();
    if (s.startsWith("|")) s = s.slice(1);
    if (s.endsWith("|") && !s.endsWith("\\|")) s = s.slice(0, -1);
    const cells = [];
    let cur = "";
    for (let k = 0; k < s.length; k++) {
      if (s[k] === "\\" && s[k + 1] === "|") {
        cur += "\\|";
        k += 1;
      } else if (s[k] === "|") {
        cells.push(cur.trim());
        cur = "";
      } else cur += s[k];
    }
    cells.push(cur.trim());
    return cells;
  }

  function isTable(lines, i) {
    return (
      lines[i].includes("|") &&
      i + 1 < lines.length &&
      lines[i + 1].includes("-") &&
      (lines[i + 1].includes("|") || splitRow(lines[i]).length === 1) &&
      RE_TABLE_SEP.test(lines[i + 1])
    );
  }

  function tableBlock(lines, i, parent) {
    const head = splitRow(lines[i]);
    const align = splitRow(lines[i + 1]).map((c) =>
      /^:-+:$/.test(c) ? "center" : /-+:$/.test(c) ? "right" : ""
    );
    const table = h("table");
    const tr = h("tr");
    head.forEach((c, k) => {
      const th = h("th", { scope: "col" });
      if (align[k]) th.style.textAlign = align[k];
      if (c.length <= SHORT_CELL) th.className = "nw";
      inline(c, th);
      tr.append(th);
    });
    table.append(h("thead", null, tr));
    const body = h("tbody");
    i += 2;
    while (i < lines.length && lines[i].trim() && lines[i].includes("|")) {
      const cells = splitRow(lines[i]);
      const row = h("tr");
      for (let k = 0; k < head.length; k++) {
        const td = h("td");
        if (align[k]) td.style.textAlign = align[k];
        if ((cells[k] || "").length <= SHORT_CELL) td.className = "nw";
        inline(cells[k] || "", td);
        row.append(td);
      }
      body.append(row);
      i += 1;
    }
    table.append(body);
    parent.append(h("div", { class: "tw", tabindex: "0", role: "group", "aria-label": T.table }, table));
    return i;
  }

  function listBlock(lines, i, parent, depth) {
    const first = RE_ITEM.exec(lines[i]);
    const indent = first[1].length;
    const ordered = /\d/.test(first[2]);
    const el = h(ordered ? "ol" : "ul");
    if (ordered && parseInt(first[2], 10) !== 1) el.setAttribute("start", String(parseInt(first[2], 10)));
    parent.append(el);
    let li = null;
    while (i < lines.length) {
      const line = lines[i];
      if (!line.trim()) {
        const next = RE_ITEM.exec(lines[i + 1] || "");
        if (next && next[1].length >= indent && /\d/.test(next[2]) === ordered) {
          i += 1;
          continue;
        }
        break;
      }
      const m = RE_ITEM.exec(line);
      if (m && !RE_RULE.test(line)) {
        const ind = m[1].length;
        if (ind < indent) break;
        if (ind >= indent + 2 && li && depth < MAX_DEPTH) {
          i = listBlock(lines, i, li, depth + 1);
          continue;
        }
        if (/\d/.test(m[2]) !== ordered) break;
        li = h("li");
        inline(m[3], li);
        el.append(li);
        i += 1;
        continue;
      }
      if (li && /^\s+\S/.test(line) && !RE_ITEM.test(line)) {
        li.append(h("br"));
        inline(line.trim(), li);
        i += 1;
        continue;
      }
      break;
    }
    return i;
  }

  function blocks(lines, parent, depth) {
    let para = null;
    let i = 0;
    while (i < lines.length) {
      const line = lines[i];
      if (!line.trim()) {
        para = null;
        i += 1;
        continue;
      }
      let m = RE_FENCE.exec(line);
      if (m) {
        const fence = m[1];
        const body = [];
        i += 1;
        while (i < lines.length && !lines[i].trim().startsWith(fence)) body.push(lines[i++]);
        i += 1;
        parent.append(h("pre", null, h("code", { text: body.join("\n") })));
        para = null;
        continue;
      }
      m = RE_HEADING.exec(line);
      if (m) {
        const el = h("h" + Math.min(6, m[1].length + 2));
        inline(m[2], el);
        parent.append(el);
        para = null;
        i += 1;
        continue;
      }
      if (RE_RULE.test(line)) {
        parent.append(h("hr"));
        para = null;
        i += 1;
        continue;
      }
      if (RE_QUOTE.test(line) && depth < MAX_DEPTH) {
        const inner = [];
        while (i < lines.length && RE_QUOTE.test(lines[i])) inner.push(lines[i++].replace(RE_QUOTE, ""));
        const bq = h("blockquote");
        blocks(inner, bq, depth + 1);
        parent.append(bq);
        para = null;
        continue;
      }
      if (isTable(lines, i)) {
        i = tableBlock(lines, i, parent);
        para = null;
        continue;
      }
      if (RE_ITEM.test(line) && depth < MAX_DEPTH) {
        i = listBlock(lines, i, parent, depth);
        para = null;
        continue;
      }
      if (para) para.append(h("br"));
      else {
        para = h("p");
        parent.append(para);
      }
      inline(line.trim(), para);
      i += 1;
    }
  }

  /** Markdown → a detached DocumentFragment (no side effects; exposed for tests). */
  function renderMarkdown(md) {
    const frag = document.createDocumentFragment();
    blocks(String(md == null ? "" : md).replace(/\r\n?/g, "\n").split("\n"), frag, 0);
    return frag;
  }

  // The answer ends with its own 「出典」 list (titles only); the widget shows the structured
  // citations with links instead, so that trailing block is dropped when citations exist.
  const RE_SOURCES_BLOCK =
    /(?:^|\n)[ \t]*(?:(?:-{3,}|\*{3,}|_{3,})[ \t]*\n+)?[ \t]*(?:#{1,6}[ \t]*)?(?:\*\*)?(?:出典|参考資料|Sources)(?:\*\*)?[:：]?[ \t]*\n(?:[ \t]*(?:[-*+]|\d+[.)])[ \t].*(?:\n|$))+\s*$/;
  function stripSources(answer, hasCitations) {
    if (!hasCitations) return answer;
    const stripped = answer.replace(RE_SOURCES_BLOCK, "");
    return stripped.trim() ? stripped : answer;
  }

  // ------------------------------------------------------------------------------------------
  // Answers: compact form kept in storage and rendered
  // ------------------------------------------------------------------------------------------
  function compact(a) {
    const seen = new Set();
    const citations = [];
    for (const c of list(a.citations)) {
      if (!c || typeof c !== "object") continue;
      const item = { title: str(c.title) || str(c.source_id), section: str(c.section), url: str(c.url), quote: str(c.quote) };
      const key = item.title + "\u0000" + item.section + "\u0000" + item.url;
      if (!item.title || seen.has(key)) continue;
      seen.add(key);
      citations.push(item);
    }
    const calcs = list(a.tool_calls)
      .filter((c) => c && c.name === "calculate_grant" && c.result)
      .map((c) => {
        const r = c.result;
        return { name: r.programme_name, label: r.category && r.category.label, steps: r.steps, amount: r.amount_yen, rate: r.rate, cap: r.cap_yen, capped: r.capped };
      })
      .concat(list(a.calcs))
      .filter((c) => c && list(c.steps).length)
      .map((c) => ({
        name: str(c.name),
        label: str(c.label),
        steps: c.steps.map((x) => String(x)),
        amount: num(c.amount),
        rate: str(c.rate),
        cap: num(c.cap),
        capped: c.capped === true,
      }));
    return {
      answer: str(a.answer),
      citations,
      calcs,
      follow_up: list(a.follow_up).filter((q) => typeof q === "string" && q.trim()),
      as_of: str(a.as_of),
      mode: str(a.mode),
      session_id: str(a.session_id),
      message_id: str(a.message_id),
    };
  }

  const yen = (n) => T.yen(n) + (n >= 10000 && n % 10000 === 0 ? T.man(n) : "");

  function calcTable(c, withName) {
    const table = h("table", { class: "calc" });
    const what = [withName && c.name, c.label].filter(Boolean).join("・");
    table.append(h("caption", { text: T.calc + (what ? `（${what}）` : "") }));
    table.append(h("thead", null, h("tr", null, h("th", { scope: "col", text: T.step }), h("th", { scope: "col", text: T.detail }))));
    const body = h("tbody");
    c.steps.forEach((s, k) => body.append(h("tr", null, h("th", { scope: "row", text: String(k + 1) }), h("td", { text: s }))));
    table.append(body);
    if (c.amount != null) {
      const notes = [];
      if (c.rate) notes.push(`${T.rate} ${c.rate}`);
      if (c.cap != null) notes.push(`${T.cap} ${yen(c.cap)}`);
      if (c.capped) notes.push(T.capped);
      table.append(
        h(
          "tfoot",
          null,
          h(
            "tr",
            null,
            h("th", { scope: "row", text: T.amount }),
            h("td", null, h("span", { class: "sum", text: yen(c.amount) }), notes.length ? h("span", { class: "sub2", text: notes.join("・") }) : null)
          )
        )
      );
    }
    return h("div", { class: "tw", tabindex: "0", role: "group", "aria-label": T.calc }, table);
  }

  /** The answer body: Markdown, where the list items that repeat a calculation's steps give way
   * to the calculation table (at the place the steps were); otherwise the table goes at the end. */
  function answerBody(a) {
    const md = h("div", { class: "md" });
    md.append(renderMarkdown(stripSources(a.answer, a.citations.length > 0)));
    for (const c of a.calcs) {
      const tableEl = calcTable(c, a.calcs.length > 1);
      const steps = new Set(c.steps.map((s) => s.trim()));
      const isStep = (li) => steps.has(li.textContent.trim());
      const target = Array.from(md.querySelectorAll("ul,ol")).find(
        (l) => Array.from(l.children).filter(isStep).length >= Math.min(2, steps.size)
      );
      if (!target) {
        md.append(tableEl);
        continue;
      }
      // In place of the steps the answer's own heading already names the table.
      const prev = target.previousElementSibling;
      if (prev && /^H\d$/.test(prev.tagName)) tableEl.querySelector("caption").className = "sr";
      target.before(tableEl);
      Array.from(target.children).filter(isStep).forEach((li) => li.remove());
      if (!target.children.length) target.remove();
    }
    return md;
  }

  /** Citations grouped by document: [n] linked title, then its sections with the quoted text. */
  function sourceGroups(a) {
    const groups = new Map();
    for (const c of a.citations) {
      const key = c.title + "\u0000" + c.url;
      if (!groups.has(key)) groups.set(key, { title: c.title, url: c.url, parts: [] });
      const quote = c.quote.replace(/^\s*\|\s*|\s*\|\s*$/g, "").replace(/\s*\|\s*/g, " / ").trim();
      if (c.section || quote) groups.get(key).parts.push({ section: c.section, quote });
    }
    return Array.from(groups.values());
  }

  function sourcesBlock(a) {
    const groups = sourceGroups(a);
    if (!groups.length) return null;
    const sec = h("section", { class: "sources", "aria-label": T.sources }, h("h4", { text: T.sources }));
    const ol = h("ol");
    const hidden = [];
    let shown = 0;
    groups.forEach((g, k) => {
      const body = h("div");
      const href = safeUrl(g.url);
      if (href) {
        body.append(h("a", { href, target: "_blank", rel: "noopener noreferrer nofollow" }, g.title, h("span", { class: "sr", text: T.newTab })));
      } else body.append(h("span", { text: g.title }));
      if (g.parts.length) {
        const parts = h("ul", { class: "parts" });
        for (const p of g.parts) {
          const item = h("li", null, p.section ? h("span", { class: "sec", text: p.section }) : null, p.quote ? h("span", { class: "quote", text: `「${p.quote}」` }) : null);
          if (shown >= SOURCES_SHOWN) {
            item.hidden = true;
            hidden.push(item);
          } else shown += 1;
          parts.append(item);
        }
        body.append(parts);
      }
      const li = h("li", null, h("span", { class: "num", text: `[${k + 1}]` }), body);
      ol.append(li);
    });
    // A document whose sections are all hidden is hidden with them.
    const docs = Array.from(ol.children).filter((li) => {
      const items = li.querySelectorAll(".parts > li");
      return items.length && Array.from(items).every((x) => x.hidden);
    });
    docs.forEach((li) => (li.hidden = true));
    sec.append(ol);
    if (hidden.length) {
      const more = h("button", { class: "more", type: "button", "aria-expanded": "false", text: T.moreSources(hidden.length) });
      more.addEventListener("click", () => {
        const show = more.getAttribute("aria-expanded") !== "true";
        hidden.concat(docs).forEach((x) => (x.hidden = !show));
        more.setAttribute("aria-expanded", String(show));
        more.textContent = show ? T.lessSources : T.moreSources(hidden.length);
      });
      sec.append(more);
    }
    return sec;
  }

  function formatDate(iso) {
    const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
    return m ? T.date(+m[1], +m[2], +m[3]) : iso;
  }

  function plainText(a) {
    let s = stripSources(a.answer, a.citations.length > 0)
      .replace(/^\s{0,3}#{1,6}\s+/gm, "")
      .replace(/\*\*(.+?)\*\*/g, "$1")
      .trim();
    const groups = sourceGroups(a);
    if (groups.length) {
      s += `\n\n${T.sources}\n`;
      s += groups
        .map((g, k) => {
          const secs = g.parts.map((p) => p.section).filter(Boolean);
          return `[${k + 1}] ${g.title}${secs.length ? `（${secs.join("、")}）` : ""}${g.url ? " " + g.url : ""}`;
        })
        .join("\n");
    }
    return s;
  }

  // ------------------------------------------------------------------------------------------
  // Storage (localStorage: the conversation; sessionStorage: open state and the draft)
  // ------------------------------------------------------------------------------------------
  const KEY = "grant-advisor:v1:" + apiBase;
  function storage(kind) {
    try {
      const s = window[kind];
      s.setItem(KEY + ":probe", "1");
      s.removeItem(KEY + ":probe");
      return s;
    } catch {
      return null;
    }
  }
  const local = storage("localStorage");
  const session = storage("sessionStorage");
  const validTurn = (t) =>
    t && ((t.k === "s" || t.k === "n") ? typeof t.t === "string" : typeof t.q === "string" && t.a && typeof t.a.answer === "string");

  function load() {
    try {
      const v = JSON.parse((local && local.getItem(KEY)) || "null");
      if (v && Array.isArray(v.turns) && Date.now() - (v.savedAt || 0) < MAX_AGE_MS) {
        // Stored answers are compact already; compact() again re-validates every field.
        const turns = v.turns.filter(validTurn).map((t) =>
          t.k
            ? { k: t.k, t: t.t, id: str(t.id) }
            : {
                q: t.q,
                a: compact(Object.assign({}, t.a, { tool_calls: [] })),
                fb: t.fb === "up" || t.fb === "down" ? t.fb : null,
              }
        );
        const ho = v.ho && typeof v.ho === "object" ? { after: str(v.ho.after) || null } : null;
        return { sessionId: typeof v.sessionId === "string" ? v.sessionId : null, turns, ho };
      }
    } catch {
      /* unreadable: start afresh */
    }
    return { sessionId: null, turns: [], ho: null };
  }
  function save() {
    if (!local) return;
    const write = (turns) =>
      local.setItem(KEY, JSON.stringify({ v: 1, savedAt: Date.now(), sessionId: state.sessionId, turns, ho: state.ho }));
    try {
      write(state.turns.slice(-MAX_TURNS));
    } catch {
      try {
        write(state.turns.slice(-3));
      } catch {
        /* storage full or blocked: the conversation just won't survive a reload */
      }
    }
  }
  const sget = (k) => {
    try {
      return session ? session.getItem(KEY + ":" + k) : null;
    } catch {
      return null;
    }
  };
  const sset = (k, v) => {
    try {
      if (session) session.setItem(KEY + ":" + k, v);
    } catch {
      /* ignore */
    }
  };

  // ------------------------------------------------------------------------------------------
  // UI
  // ------------------------------------------------------------------------------------------
  const state = load();
  let busy = false;
  let isOpen = false;
  let composing = false;
  let controller = null;
  let failed = null;
  let hoBusy = false; // POST /api/handoff in flight
  let pollTimer = 0;

  const host = document.createElement("grant-advisor-widget");
  const shadow = host.attachShadow({ mode: "open" });
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    shadow.adoptedStyleSheets = [sheet];
  } catch {
    shadow.append(h("style", { text: CSS }));
  }
  const root = h("div", { class: "root", lang });
  shadow.append(root);

  const launcher = h(
    "button",
    {
      class: "launcher",
      type: "button",
      "aria-label": T.open(title),
      "aria-expanded": "false",
      "aria-controls": "ga-panel",
      "aria-haspopup": "dialog",
    },
    icon("chat", "ic-chat"),
    icon("x", "ic-x"),
    h("span", { class: "lbl", text: T.launcher })
  );
  const titleEl = h("h2", { id: "ga-title", class: "title", tabindex: "-1", text: title });
  const newBtn = h("button", { class: "hbtn", type: "button", "aria-label": T.newChat, title: T.newChat }, icon("edit"));
  const closeBtn = h("button", { class: "hbtn", type: "button", "aria-label": T.close, title: T.close }, icon("x"));
  const log = h("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": T.log, tabindex: "0" });
  const ctxText = h("span");
  const ctxBar = h(
    "div",
    { class: "ctx", hidden: true },
    ctxText,
    h("button", { type: "button", "aria-label": T.cancelAnswer, title: T.cancelAnswer, onclick: () => setAnswering(null, true) }, icon("x"))
  );
  const input = h("textarea", {
    class: "input",
    rows: "1",
    "aria-label": T.input,
    "aria-describedby": "ga-keys",
    placeholder: T.placeholder,
    enterkeyhint: "send",
    autocomplete: "off",
  });
  const sendBtn = h("button", { class: "send", type: "button", "aria-label": T.send, title: T.send, disabled: true }, icon("send"));
  const hoBtn = h("button", { class: "ho", type: "button", onclick: () => startHandoff() }, icon("person"), T.handoff);
  const hoBar = h("div", { class: "hobar", hidden: true }, icon("person"), h("span", { text: T.hoActive }));
  const announcer = h("div", { class: "sr", role: "status", "aria-live": "polite" });
  const panel = h(
    "div",
    { id: "ga-panel", class: "panel", role: "dialog", "aria-modal": "true", "aria-labelledby": "ga-title", hidden: true },
    h(
      "div",
      { class: "head" },
      h("span", { class: "avatar" }, icon("leaf")),
      h("div", { class: "titles" }, titleEl, h("p", { class: "sub", text: T.subtitle })),
      newBtn,
      closeBtn
    ),
    log,
    h(
      "div",
      { class: "composer" },
      hoBar,
      ctxBar,
      h("div", { class: "row" }, input, sendBtn),
      h("div", { class: "foot" }, h("p", { class: "hint" }, h("span", { id: "ga-keys", class: "sr", text: T.keys }), T.disclaimer), hoBtn)
    ),
    announcer
  );
  root.append(launcher, panel);

  const announce = (msg) => {
    announcer.textContent = "";
    setTimeout(() => (announcer.textContent = msg), 50);
  };
  const emit = (name, detail) => {
    try {
      window.dispatchEvent(new CustomEvent("grant-advisor:" + name, { detail: detail || {} }));
    } catch {
      /* ignore */
    }
  };

  function autosize() {
    input.style.height = "auto";
    input.style.height = Math.min(160, Math.max(46, input.scrollHeight + 2)) + "px";
  }
  function refreshSend() {
    sendBtn.disabled = busy || !input.value.trim();
    hoBtn.disabled = busy || hoBusy;
  }
  function setDraft(v) {
    input.value = v;
    autosize();
    refreshSend();
    sset("draft", v);
  }

  const lastUser = () => {
    const all = log.querySelectorAll(".msg.user");
    return all[all.length - 1] || null;
  };
  function scrollToTurn(userMsg) {
    const max = log.scrollHeight - log.clientHeight;
    log.scrollTop = userMsg ? Math.min(max, Math.max(0, userMsg.offsetTop - 8)) : max;
  }

  // --- conversation rendering ---------------------------------------------------------------
  function welcome() {
    const chips = h("div", { class: "chips", role: "group", "aria-label": T.startersLabel });
    for (const q of T.starters) {
      chips.append(h("button", { class: "chip", type: "button", text: q, onclick: () => ask(q) }));
    }
    return h(
      "div",
      { class: "welcome" },
      h("p", { class: "hi", text: T.hello }),
      h("p", { text: T.welcome }),
      h("p", { class: "lbl2", text: T.startersLabel }),
      chips
    );
  }

  function userMessage(text) {
    return h("div", { class: "msg user" }, h("div", { class: "bubble" }, h("span", { class: "sr", text: T.you }), text));
  }

  function feedbackControls(turn) {
    const a = turn.a;
    const wrap = h("div");
    const actions = h("div", { class: "actions" });
    const copyLabel = h("span", { text: T.copy });
    const copyBtn = h("button", { class: "abtn", type: "button", "aria-label": T.copyLabel, title: T.copyLabel }, icon("copy"), copyLabel);
    copyBtn.addEventListener("click", async () => {
      const ok = await copyText(plainText(a));
      copyLabel.textContent = ok ? T.copied : T.copyFailed;
      copyBtn.replaceChild(icon(ok ? "check" : "copy"), copyBtn.firstChild);
      announce(ok ? T.copied : T.copyFailed);
      copyBtn.focus();
      setTimeout(() => {
        copyLabel.textContent = T.copy;
        copyBtn.replaceChild(icon("copy"), copyBtn.firstChild);
      }, 2000);
    });
    actions.append(copyBtn);
    if (a.message_id) {
      const up = h("button", { class: "abtn", type: "button", "aria-label": T.up, title: T.up, "aria-pressed": "false" }, icon("up"));
      const down = h("button", { class: "abtn", type: "button", "aria-label": T.down, title: T.down, "aria-pressed": "false" }, icon("down"));
      const msg = h("span", { class: "fbmsg", role: "status", tabindex: "-1" });
      const form = h("div", { class: "cform", hidden: true });
      const done = (rating) => {
        up.disabled = down.disabled = true;
        (rating === "up" ? up : down).setAttribute("aria-pressed", "true");
        msg.className = "fbmsg";
        msg.textContent = T.thanks;
        form.hidden = true;
      };
      const submit = async (rating, comment) => {
        up.disabled = down.disabled = true;
        const ok = await sendFeedback(a, rating, comment);
        if (ok) {
          turn.fb = rating;
          save();
          done(rating);
          emit("feedback", { sessionId: a.session_id, messageId: a.message_id, rating });
          // The buttons are disabled now; keep focus inside the dialog, on the thanks.
          if (!panel.contains(shadow.activeElement)) msg.focus();
        } else {
          up.disabled = down.disabled = false;
          msg.className = "fbmsg err";
          msg.textContent = T.feedbackFailed;
          if (!panel.contains(shadow.activeElement)) (rating === "up" ? up : down).focus();
        }
      };
      up.addEventListener("click", () => submit("up"));
      const comment = h("textarea", { "aria-label": T.commentLabel, maxlength: "2000" });
      const commentId = "ga-c-" + a.message_id.replace(/[^\w-]/g, "");
      comment.id = commentId;
      form.append(
        h("label", { for: commentId, text: T.commentLabel }),
        comment,
        h("button", { class: "abtn", type: "button", text: T.commentSend, onclick: () => submit("down", comment.value.trim()) })
      );
      down.addEventListener("click", () => {
        form.hidden = !form.hidden;
        down.setAttribute("aria-expanded", String(!form.hidden));
        if (!form.hidden) comment.focus();
      });
      if (turn.fb) done(turn.fb);
      actions.append(up, down, msg);
      wrap.append(actions, form);
    } else wrap.append(actions);
    return wrap;
  }

  function fillAnswer(bubble, turn) {
    const a = turn.a;
    let body;
    try {
      body = answerBody(a);
    } catch (err) {
      console.error("grant-advisor widget: could not render the answer", err);
      body = h("div", { class: "md plain", text: a.answer });
    }
    bubble.replaceChildren(h("span", { class: "sr", text: T.bot }), body);
    const src = sourcesBlock(a);
    if (src) bubble.append(src);
    if (a.as_of) bubble.append(h("p", { class: "meta", text: T.asOf(formatDate(a.as_of)) }));
    bubble.append(feedbackControls(turn));
  }

  function isYesNo(q) {
    const core = q.replace(/[（(][^（）()]*[)）]/g, "").trim();
    return /(ますか|ですか|でしょうか)[？?]?$/.test(core) && !/何|いくら|どの|どれ|どちら|いつ|どこ|教えて/.test(core);
  }

  /** The advisor asks one thing at a time (its first follow-up is the question a short reply
   * answers), so only that one gets quick replies: はい/いいえ for a yes/no question, and a chip
   * that puts the question above the input so the user can type the answer. Nothing is sent for
   * the user. */
  function followUps(turn) {
    const q = turn.a.follow_up[0];
    if (!q) return null;
    const chips = h("div", { class: "chips" });
    if (isYesNo(q)) {
      chips.append(
        h("button", { class: "chip", type: "button", text: T.yes, onclick: () => ask("はい") }),
        h("button", { class: "chip", type: "button", text: T.no, onclick: () => ask("いいえ") })
      );
    }
    chips.append(h("button", { class: "chip q", type: "button", onclick: () => setAnswering(q, true) }, icon("edit"), T.replyTo));
    return h("div", { class: "follow", role: "group", "aria-label": T.followUps }, h("p", { text: T.followUps }), h("p", { class: "fq", text: q }), chips);
  }

  /** A follow-up question is a question to the user: show it above the input and let them answer. */
  function setAnswering(q, focus) {
    ctxBar.hidden = !q;
    ctxText.textContent = q ? T.answering + q : "";
    input.placeholder = q ? T.answerPlaceholder : state.ho ? T.hoPlaceholder : T.placeholder;
    if (focus) input.focus();
  }

  /** The line offering a person, under an answer that could not help or to a user who asked for one. */
  function offer(turn) {
    if (state.ho || !(RE_REFUSAL.test(turn.a.answer) || RE_PERSON.test(turn.q))) return null;
    return h(
      "div",
      { class: "offer", role: "group", "aria-label": T.handoff },
      h("p", { text: T.offer }),
      h("button", { class: "chip q", type: "button", onclick: () => startHandoff() }, icon("person"), T.handoff)
    );
  }

  function botMessage(turn, last) {
    if (turn.a.mode === "handoff") return sysMessage(turn.a.answer);
    const bubble = h("div", { class: "bubble" });
    fillAnswer(bubble, turn);
    const msg = h("div", { class: "msg bot" }, bubble);
    if (last) {
      const f = followUps(turn);
      if (f) msg.append(f);
      const o = offer(turn);
      if (o) msg.append(o);
    }
    return msg;
  }

  /** A staff member's reply, marked 「担当者」 (their Slack text arrives as Markdown). */
  function staffMessage(text) {
    const md = h("div", { class: "md" });
    try {
      md.append(renderMarkdown(text));
    } catch {
      md.className = "md plain";
      md.textContent = text;
    }
    return h("div", { class: "msg staff" }, h("div", { class: "bubble" }, h("span", { class: "who" }, icon("person"), T.staff), md));
  }

  const sysMessage = (text) => h("div", { class: "sys" }, h("span", { text }));

  function itemView(t, last) {
    if (t.k === "s") return [staffMessage(t.t)];
    if (t.k === "n") return [sysMessage(t.t)];
    return [userMessage(t.q), botMessage(t, last)];
  }

  function renderAll() {
    log.replaceChildren();
    if (!state.turns.length) log.append(welcome());
    state.turns.forEach((t, k) => log.append(...itemView(t, k === state.turns.length - 1)));
    requestAnimationFrame(() => scrollToTurn(lastUser()));
  }

  /** A staff reply or a note: kept with the conversation and shown at the end of the log. */
  function addItem(item) {
    log.querySelectorAll(".welcome,.offer").forEach((e) => e.remove());
    state.turns.push(item);
    save();
    log.append(...itemView(item, true));
    scrollToTurn(null);
  }

  function pendingView(userMsg) {
    const statusText = h("span", { text: T.thinking });
    const status = h("div", { class: "status" }, h("span", { class: "dots", "aria-hidden": "true" }, h("i"), h("i"), h("i")), statusText);
    const md = h("div", { class: "md" });
    const bubble = h("div", { class: "bubble" }, h("span", { class: "sr", text: T.bot }), status, md);
    const msg = h("div", { class: "msg bot" }, bubble);
    let text = "";
    let frame = 0;
    return {
      msg,
      bubble,
      progress(d) {
        const label = lang === "en" ? EN_PROGRESS[str(d && d.tool)] || "Working…" : str(d && d.label);
        if (label) statusText.textContent = label;
      },
      delta(t) {
        if (!t) return;
        text += t;
        if (frame) return;
        frame = requestAnimationFrame(() => {
          frame = 0;
          status.hidden = true;
          md.replaceChildren(renderMarkdown(text));
          scrollToTurn(userMsg);
        });
      },
      stop() {
        if (frame) cancelAnimationFrame(frame);
        frame = 0;
      },
    };
  }

  // --- sending --------------------------------------------------------------------------------
  function clearFailed() {
    if (!failed) return;
    clearInterval(failed.timer);
    failed.userMsg.remove();
    failed.box.remove();
    failed = null;
  }

  function clearTransient() {
    clearFailed();
    log.querySelectorAll(".welcome,.follow,.offer,.cbox").forEach((e) => e.remove());
    setAnswering(null, false);
  }

  function ask(text) {
    if (!isOpen) open(false);
    send(text);
    input.focus();
  }

  function submit() {
    const text = input.value;
    if (!text.trim() || busy) return;
    setDraft("");
    send(text, text);
  }

  async function send(raw, draft) {
    const text = String(raw || "").trim();
    if (!text || busy) return;
    clearTransient();
    busy = true;
    refreshSend();
    // Until the answer arrives, the question is the draft: a reload mid-answer restores it.
    if (draft != null) sset("draft", draft);
    const userMsg = userMessage(text);
    const view = pendingView(userMsg);
    log.append(userMsg, view.msg);
    log.setAttribute("aria-busy", "true");
    scrollToTurn(userMsg);
    emit("message", { length: text.length });
    let answer = null;
    try {
      answer = await stream(text, view);
    } catch (err) {
      view.stop();
      view.msg.remove();
      if (err && err.kind === "aborted") userMsg.remove();
      else showFailure(err && err.kind ? err : { kind: "interrupted" }, text, userMsg);
    }
    busy = false;
    log.setAttribute("aria-busy", "false");
    refreshSend();
    if (!answer) return;
    const turn = { q: text, a: compact(answer), fb: null };
    if (turn.a.session_id) state.sessionId = turn.a.session_id;
    state.turns.push(turn);
    if (turn.a.mode === "handoff" && !state.ho) setHo({ after: null }); // e.g. a hand-off from another tab
    save();
    sset("draft", input.value);
    view.stop();
    view.msg.replaceWith(botMessage(turn, true));
    scrollToTurn(userMsg);
    emit("answer", { sessionId: state.sessionId, messageId: turn.a.message_id, programmes: list(answer.programmes), mode: turn.a.mode });
  }

  function errorText(err) {
    switch (err && err.kind) {
      case "busy":
        return T.errBusy(err.retryAfter);
      case "http":
        if (err.status >= 500) return T.errServer;
        return err.detail || T.errRequest;
      case "server":
        return err.message || T.errServer;
      case "timeout":
        return T.errTimeout;
      case "interrupted":
        return T.errInterrupted;
      default:
        return T.errNetwork;
    }
  }

  function showFailure(err, text, userMsg) {
    userMsg.classList.add("failed");
    userMsg.append(h("span", { class: "note", text: T.failedNote }));
    const restored = !input.value.trim();
    if (restored) setDraft(text);
    const retryLabel = h("span", { text: T.retry });
    const retryBtn = h("button", { class: "rbtn", type: "button" }, icon("retry"), retryLabel);
    const box = h(
      "div",
      { class: "error", role: "alert" },
      h("p", { text: errorText(err) }),
      restored ? h("p", { class: "small", text: T.restored }) : null,
      retryBtn
    );
    log.append(box);
    failed = { userMsg, box, timer: 0 };
    if (err && err.kind === "busy" && err.retryAfter > 0) {
      let left = err.retryAfter;
      retryBtn.disabled = true;
      retryLabel.textContent = T.retryIn(left);
      failed.timer = setInterval(() => {
        left -= 1;
        if (left > 0) retryLabel.textContent = T.retryIn(left);
        else {
          clearInterval(failed && failed.timer);
          retryBtn.disabled = false;
          retryLabel.textContent = T.retry;
        }
      }, 1000);
    }
    retryBtn.addEventListener("click", () => {
      if (input.value.trim() === text) setDraft("");
      send(text, text);
      input.focus();
    });
    scrollToTurn(null);
    emit("error", { kind: err && err.kind, status: err && err.status, code: err && err.code });
  }

  async function httpError(res) {
    let body = null;
    try {
      body = await res.json();
    } catch {
      /* not JSON */
    }
    if (res.status === 429) {
      let wait = 10;
      const v = res.headers.get("Retry-After");
      if (v) {
        const n = Number(v);
        const t = Date.parse(v);
        if (Number.isFinite(n) && n >= 0) wait = Math.ceil(n);
        else if (!Number.isNaN(t)) wait = Math.ceil((t - Date.now()) / 1000);
      }
      return { kind: "busy", retryAfter: Math.max(1, wait), status: 429 };
    }
    const detail = body && (lang === "en" ? body.detail_en || body.detail : body.detail);
    return { kind: "http", status: res.status, code: body && body.code, detail: typeof detail === "string" ? detail : "" };
  }

  /** A text/event-stream parser: feed it decoded chunks; it calls onEvent(type, data). */
  function sseParser(onEvent) {
    let buf = "";
    let type = "";
    let dataLines = [];
    return (chunk, end) => {
      buf += chunk;
      for (;;) {
        const m = /\r\n|\r|\n/.exec(buf);
        if (!m || (m[0] === "\r" && m.index === buf.length - 1 && !end)) break;
        const line = buf.slice(0, m.index);
        buf = buf.slice(m.index + m[0].length);
        if (line === "") {
          if (dataLines.length) onEvent(type || "message", dataLines.join("\n"));
          type = "";
          dataLines = [];
          continue;
        }
        if (line[0] === ":") continue;
        const c = line.indexOf(":");
        const field = c < 0 ? line : line.slice(0, c);
        let value = c < 0 ? "" : line.slice(c + 1);
        if (value[0] === " ") value = value.slice(1);
        if (field === "event") type = value;
        else if (field === "data") dataLines.push(value);
      }
      if (end) {
        if (buf) {
          const tail = buf;
          buf = "";
          if (tail.startsWith("data:")) dataLines.push(tail.slice(5).replace(/^ /, ""));
        }
        if (dataLines.length) onEvent(type || "message", dataLines.join("\n"));
        dataLines = [];
      }
    };
  }

  async function stream(text, view) {
    const ctrl = new AbortController();
    controller = ctrl;
    let timedOut = false;
    let timer = 0;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = true;
        ctrl.abort();
      }, IDLE_TIMEOUT_MS);
    };
    const aborted = () => ({ kind: timedOut ? "timeout" : "aborted" });
    arm();
    try {
      const body = { message: text };
      if (state.sessionId) body.session_id = state.sessionId;
      let res;
      try {
        res = await fetch(apiBase + "/api/chat/stream", {
          method: "POST",
          headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
          body: JSON.stringify(body),
          credentials: "omit",
          signal: ctrl.signal,
        });
      } catch {
        throw ctrl.signal.aborted ? aborted() : { kind: "network" };
      }
      if (!res.ok) throw await httpError(res);
      if (!/text\/event-stream/i.test(res.headers.get("Content-Type") || "") || !res.body) {
        let json = null;
        try {
          json = await res.json();
        } catch {
          /* fall through */
        }
        if (json && typeof json.answer === "string") return json;
        throw { kind: "interrupted" };
      }
      let final = null;
      let failure = null;
      const parse = sseParser((type, payload) => {
        let d = null;
        try {
          d = JSON.parse(payload);
        } catch {
          return;
        }
        if (type === "progress") view.progress(d);
        else if (type === "delta") view.delta(d && typeof d.text === "string" ? d.text : "");
        else if (type === "final") final = d;
        else if (type === "error") {
          d = d || {};
          failure = { kind: "server", code: str(d.code), message: str(lang === "en" ? d.message_en || d.message_ja : d.message_ja) };
        }
      });
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) {
            parse(decoder.decode(), true);
            break;
          }
          arm();
          parse(decoder.decode(value, { stream: true }), false);
          if (final || failure) {
            reader.cancel().catch(() => {});
            break;
          }
        }
      } catch {
        throw ctrl.signal.aborted ? aborted() : { kind: "interrupted" };
      }
      if (failure) throw failure;
      if (!final || typeof final.answer !== "string") throw { kind: "interrupted" };
      return final;
    } finally {
      clearTimeout(timer);
      if (controller === ctrl) controller = null;
    }
  }

  async function sendFeedback(a, rating, comment) {
    const body = { session_id: a.session_id || state.sessionId, message_id: a.message_id, rating };
    if (comment) body.comment = comment;
    try {
      const res = await fetch(apiBase + "/api/feedback", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
        credentials: "omit",
      });
      return res.ok;
    } catch {
      return false;
    }
  }

  async function copyText(text) {
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(text);
        return true;
      }
    } catch {
      /* fall back below */
    }
    const ta = h("textarea", { class: "sr", readonly: true, "aria-hidden": "true", tabindex: "-1" });
    ta.value = text;
    root.append(ta);
    ta.select();
    let ok = false;
    try {
      ok = document.execCommand("copy");
    } catch {
      ok = false;
    }
    ta.remove();
    return ok;
  }

  function reset() {
    if (controller) controller.abort();
    clearFailed();
    state.sessionId = null;
    state.turns = [];
    setHo(null);
    save();
    setAnswering(null, false);
    renderAll();
    announce(T.newChatDone);
    emit("reset");
    input.focus();
  }

  // --- hand-off to a person -------------------------------------------------------------------
  /** Enter (``{after}``) or leave (null) the hand-off: the bar above the input, polling for replies. */
  function setHo(ho) {
    state.ho = ho;
    hoBar.hidden = !ho;
    hoBtn.hidden = !!ho;
    if (ctxBar.hidden) input.placeholder = ho ? T.hoPlaceholder : T.placeholder;
    clearTimeout(pollTimer);
    if (ho) pollTimer = setTimeout(poll, POLL_MS);
  }

  async function startHandoff() {
    if (hoBusy || busy || state.ho) return;
    hoBusy = true;
    refreshSend();
    clearTransient();
    let res = null;
    let body = null;
    try {
      res = await fetch(apiBase + "/api/handoff", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(state.sessionId ? { session_id: state.sessionId } : {}),
        credentials: "omit",
      });
      body = await res.json().catch(() => null);
    } catch {
      res = null;
    }
    hoBusy = false;
    refreshSend();
    if (isOpen && !coarse()) input.focus(); // the clicked offer is gone; keep focus in the dialog
    if (res && res.ok && body && body.state === "active") {
      if (typeof body.session_id === "string" && body.session_id) state.sessionId = body.session_id;
      setHo({ after: str(body.message_id) || null });
      addItem({ k: "n", t: T.hoStarted }); // the log is aria-live: the note is read out
      emit("handoff", { sessionId: state.sessionId, state: "active" });
    } else if (res && (res.status === 503 || res.status === 409)) {
      const detail = body && (lang === "en" ? body.detail_en : body.detail);
      await showContacts(lang === "ja" && typeof detail === "string" && detail ? detail : T.hoUnavailable);
      emit("handoff", { sessionId: state.sessionId, state: "unavailable" });
    } else {
      const detail = body && str(lang === "en" ? body.detail_en || body.detail : body.detail);
      const err = res ? { kind: res.status === 429 ? "busy" : "http", status: res.status, detail, retryAfter: Number(res.headers.get("Retry-After")) || 10 } : { kind: "network" };
      log.append(h("div", { class: "error", role: "alert" }, h("p", { text: errorText(err) })));
      scrollToTurn(null);
    }
  }

  /** No one to hand off to: the contact desks of the conversation's programmes (or all of them). */
  async function showContacts(message) {
    let data = null;
    try {
      const q = state.sessionId ? "?session_id=" + encodeURIComponent(state.sessionId) : "";
      const res = await fetch(apiBase + "/api/contacts" + q, { credentials: "omit" });
      if (res.ok) data = await res.json();
    } catch {
      /* the message alone */
    }
    const box = h("div", { class: "cbox", role: "status" }, h("p", { text: message }));
    const programmes = list(data && data.programmes);
    if (programmes.length) box.append(h("h4", { text: T.contacts }));
    for (const p of programmes) {
      const ul = h("ul");
      for (const c of list(p && p.contacts)) {
        if (!c) continue;
        const li = h("li", null, h("strong", { text: str(c.organisation) }), h("span", { class: "sec", text: str(c.label) }));
        if (str(c.phone)) li.append(h("span", { class: "sec", text: `${T.phone} ${c.phone}` + (str(c.hours) ? `（${T.hours} ${c.hours}）` : "") }));
        if (/^[^\s@<>"]+@[^\s@<>"]+$/.test(str(c.email))) li.append(h("span", { class: "sec" }, T.mail + " ", h("a", { href: "mailto:" + c.email, text: c.email })));
        const href = safeUrl(str(c.url));
        if (href) li.append(h("span", { class: "sec" }, h("a", { href, target: "_blank", rel: "noopener noreferrer nofollow", text: T.web }, h("span", { class: "sr", text: T.newTab }))));
        ul.append(li);
      }
      box.append(h("p", { class: "sec", text: str(p && p.name) }), ul);
    }
    log.append(box);
    scrollToTurn(null);
  }

  /** Staff replies arrive by polling the conversation's messages while the hand-off is active. */
  async function poll() {
    const sid = state.sessionId;
    const ho = state.ho;
    if (!ho || !sid) return;
    if (document.hidden) {
      pollTimer = setTimeout(poll, POLL_MS);
      return;
    }
    let data = null;
    let status = 0;
    try {
      const q = ho.after ? "?after=" + encodeURIComponent(ho.after) : "";
      const res = await fetch(`${apiBase}/api/chat/${encodeURIComponent(sid)}/messages${q}`, { credentials: "omit" });
      status = res.status;
      if (res.ok) data = await res.json();
    } catch {
      /* try again later */
    }
    if (state.ho !== ho || state.sessionId !== sid) return; // ended or reset meanwhile
    if (data) {
      const seen = new Set(state.turns.filter((t) => t.k === "s").map((t) => t.id));
      for (const m of list(data.messages)) {
        if (!m || typeof m.message_id !== "string") continue;
        ho.after = m.message_id;
        if (m.role === "staff" && typeof m.content === "string" && !seen.has(m.message_id)) {
          addItem({ k: "s", t: m.content, id: m.message_id });
          emit("staff", { sessionId: sid });
        }
      }
      save();
      if (data.handoff_state !== "active") {
        setHo(null);
        if (data.handoff_state === "ended") addItem({ k: "n", t: T.hoEnded });
        save();
        emit("handoff", { sessionId: sid, state: str(data.handoff_state) });
        return;
      }
    } else if (status === 404) {
      setHo(null);
      save();
      return;
    }
    pollTimer = setTimeout(poll, POLL_MS);
  }

  // --- open / close / keyboard ---------------------------------------------------------------
  const coarse = () => window.matchMedia && window.matchMedia("(pointer: coarse)").matches;

  function open(focus = true) {
    if (isOpen) return;
    isOpen = true;
    panel.hidden = false;
    launcher.classList.add("open");
    launcher.setAttribute("aria-expanded", "true");
    launcher.setAttribute("aria-label", T.closeChat(title));
    sset("open", "1");
    autosize();
    requestAnimationFrame(() => scrollToTurn(lastUser()));
    if (focus) (coarse() ? titleEl : input).focus();
    emit("open");
  }

  function close() {
    if (!isOpen) return;
    isOpen = false;
    panel.hidden = true;
    launcher.classList.remove("open");
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-label", T.open(title));
    sset("open", "0");
    launcher.focus();
    emit("close");
  }

  function focusables() {
    return Array.from(
      panel.querySelectorAll('a[href],button:not([disabled]),textarea:not([disabled]),[tabindex]:not([tabindex="-1"])')
    ).filter((e) => e.getClientRects().length > 0);
  }

  launcher.addEventListener("click", () => (isOpen ? close() : open()));
  closeBtn.addEventListener("click", close);
  newBtn.addEventListener("click", reset);
  sendBtn.addEventListener("click", () => {
    submit();
    input.focus(); // the button is disabled while the answer streams
  });

  panel.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && !e.isComposing && !composing) {
      e.preventDefault();
      e.stopPropagation();
      close();
      return;
    }
    if (e.key !== "Tab") return;
    const items = focusables();
    if (!items.length) return;
    const first = items[0];
    const last = items[items.length - 1];
    const active = shadow.activeElement;
    if (e.shiftKey && (active === first || active === titleEl || !panel.contains(active))) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && (active === last || !panel.contains(active))) {
      e.preventDefault();
      first.focus();
    }
  });

  input.addEventListener("compositionstart", () => (composing = true));
  input.addEventListener("compositionend", () => (composing = false));
  input.addEventListener("blur", () => (composing = false));
  input.addEventListener("keydown", (e) => {
    if (e.key !== "Enter" || e.shiftKey || e.altKey) return;
    // Enter that confirms an IME conversion (Japanese input) must never send.
    if (composing || e.isComposing || e.keyCode === 229) return;
    e.preventDefault();
    submit();
  });
  input.addEventListener("input", () => {
    autosize();
    refreshSend();
    sset("draft", input.value);
  });

  // --- start ----------------------------------------------------------------------------------
  function mount() {
    if (host.isConnected) return;
    document.body.append(host);
    renderAll();
    if (state.ho) setHo(state.ho); // a hand-off still going on: show it and look for replies
    const draft = sget("draft");
    if (draft) setDraft(draft);
    if (sget("open") === "1" || (sget("open") == null && data.open === "true")) open(false);
  }

  window.GrantAdvisorWidget = Object.freeze({
    version: VERSION,
    open: () => open(true),
    close,
    toggle: () => (isOpen ? close() : open(true)),
    ask: (text) => ask(String(text || "")),
    reset,
    /** Markdown → detached DocumentFragment, the renderer the widget uses (handy for tests). */
    renderMarkdown,
  });

  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount, { once: true });
})();
