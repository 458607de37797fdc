"""``advisor knowledge add``: PDF, HTML, DOCX and Markdown documents become corpus sources that
the project's own loader and section splitter accept, with a programme scaffold beside them.

The documents are made here: a Japanese 募集要項-like PDF with reportlab (built-in CID font
HeiseiKakuGo-W5, so no font file is needed), a DOCX with python-docx, HTML and Markdown as text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pdfplumber
import pytest
import yaml

from bot.cli import main
from bot.cli.knowledge import today_in_tokyo
from bot.errors import KnowledgeError
from bot.knowledge.cjk import join_lines, join_wrapped, remove_cjk_newlines
from bot.knowledge.loader import load_knowledge, load_programme, load_source
from bot.knowledge.models import Programme, collect_sources
from bot.knowledge.sections import quote_in_section, section_texts

TITLE = "令和７年度 省エネ設備導入支援事業 募集要項"
PURPOSE = (
    "本事業は、都内の中小企業者が行う省エネルギー設備の導入に要する経費の一部を助成することにより、"
    "事業所における温室効果ガスの排出削減を促進し、脱炭素社会の実現に寄与することを目的とします。"
)
AMOUNT = (
    "助成金の上限額は１，５００万円とし、助成率は対象経費の３分の２以内とします。"
    "ただし、ＣＯ２削減率が３０％以上の場合は上限額を２，０００万円とします。"
)
SHORT = "申請は電子申請により行います。"
ITEM_1 = "・都内に事業所を有する中小企業者であって、申請日時点で引き続き１年以上事業を営んでいる者"
ITEM_2 = "・都税を滞納していない者"
CONTACT = "公益財団法人東京都環境公社 事業支援チーム 電話：０３（５９９０）５０８５"
RATES = [
    ["区分", "助成率", "上限額"],
    ["中小企業者", "３分の２", "１，５００万円"],
    ["ＣＯ２削減率３０％以上", "４分の３", "２，０００万円"],
    ["その他の事業者", "２分の１", "５００万円"],
]
RATE_ROWS = [f"| {' | '.join(row)} |" for row in RATES]


# --- documents ---------------------------------------------------------------------------------


def make_pdf(path: Path) -> Path:
    """Two pages: title, numbered headings, wrapped paragraphs, bullets, a ruled rates table,
    and a page number "- n -" at the foot of each page."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = "HeiseiKakuGo-W5"
    pdfmetrics.registerFont(UnicodeCIDFont(font))
    title = ParagraphStyle("title", fontName=font, fontSize=18, leading=24, spaceAfter=12)
    heading = ParagraphStyle("heading", fontName=font, fontSize=14, leading=20, spaceBefore=10, spaceAfter=6)
    body = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK")
    cell = ParagraphStyle("cell", fontName=font, fontSize=10, leading=14, wordWrap="CJK")

    def page_number(canvas: Any, doc: Any) -> None:
        canvas.setFont(font, 9)
        canvas.drawCentredString(A4[0] / 2, 30, f"- {doc.page} -")

    table = Table(
        [[Paragraph(text, cell) for text in row] for row in RATES],
        colWidths=[200, 100, 120],
        style=TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black)]),
    )
    story = [
        Paragraph(TITLE, title),
        Paragraph("１ 事業の目的", heading),
        Paragraph(PURPOSE, body),
        Paragraph(SHORT, body),
        Paragraph("２ 助成対象者", heading),
        Paragraph(ITEM_1, body),
        Paragraph(ITEM_2, body),
        Paragraph("３ 助成金の額", heading),
        Paragraph(AMOUNT, body),
        Spacer(1, 6),
        table,
        PageBreak(),
        Paragraph("４ 問合せ先", heading),
        Paragraph(CONTACT, body),
    ]
    SimpleDocTemplate(str(path), pagesize=A4, title=TITLE).build(
        story, onFirstPage=page_number, onLaterPages=page_number
    )
    return path


LONG = (
    "本事業の助成対象となる設備は、高効率空調設備、高効率照明設備その他の省エネルギー効果が認められる設備とし、"
    * 3
)
INDENTED = "次の段落は字下げで始まり、前の段落とは別の段落として扱われます。" * 2
HANGING = (
    "（１）助成対象者は、都内に事業所を有する中小企業者であって、"
    "申請日時点で引き続き１年以上事業を営んでいる者とします。"
)
ACROSS = "ページをまたぐ段落です。" * 80
BOXED = "【注意】申請書類に不備がある場合は受け付けません。必ず募集要項を確認してから申請してください。"


def make_layout_pdf(path: Path) -> Path:
    """Body in Mincho with first-line indents (justified), a Gothic heading in body size, an item
    with a hanging indent, a paragraph running over a page break and a boxed note."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_JUSTIFY
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    gothic, mincho = "HeiseiKakuGo-W5", "HeiseiMin-W3"
    for font in (gothic, mincho):
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    common: dict[str, Any] = {"fontName": mincho, "fontSize": 10.5, "leading": 16, "wordWrap": "CJK"}
    heading = ParagraphStyle("heading", fontName=gothic, fontSize=10.5, leading=16, spaceBefore=8)
    body = ParagraphStyle("body", firstLineIndent=10.5, alignment=TA_JUSTIFY, **common)
    item = ParagraphStyle("item", leftIndent=21, firstLineIndent=-21, **common)
    box = TableStyle([("BOX", (0, 0), (-1, -1), 0.5, colors.black)])
    story = [
        Paragraph("第１ 事業の目的", heading),
        Paragraph(LONG, body),
        Paragraph(INDENTED, body),
        Paragraph(HANGING, item),
        Spacer(1, 300),
        Paragraph(ACROSS, body),
        Table([[Paragraph(BOXED, body)]], colWidths=[400], style=box),
    ]
    SimpleDocTemplate(str(path), pagesize=A4).build(story)
    return path


def make_blank_pdf(path: Path) -> Path:
    """A PDF with a drawing and no text layer, like a scan."""
    from reportlab.pdfgen.canvas import Canvas

    canvas = Canvas(str(path))
    canvas.rect(100, 100, 200, 200, fill=1)
    canvas.save()
    return path


HTML = """<!doctype html>
<html lang="ja"><head><meta charset="utf-8">
<title>省エネ設備導入支援事業｜東京都</title>
<link rel="canonical" href="https://www.example.tokyo.jp/shoene.html">
<script>var tracking = "SCRIPT_MUST_NOT_APPEAR";</script>
<style>p { color: red }</style>
</head><body>
<nav><a href="/">ホーム</a> &gt; <a href="/grants/">助成金一覧</a></nav>
<main>
<h1>令和７年度 省エネ設備導入支援事業</h1>
<h2>助成金の額</h2>
<p>助成金の上限額は１，５００万円とし、
   助成率は対象経費の３分の２以内とします。</p>
<table>
<tr><th>区分</th><th>助成率</th><th>上限額</th></tr>
<tr><td>中小企業者</td><td>３分の２</td><td>１，５００万円</td></tr>
<tr><td>その他の事業者</td><td>２分の１</td><td>５００万円</td></tr>
</table>
<h2>申請方法</h2>
<p>詳しくは<a href="/guide.pdf">募集要項</a>をご覧ください。
<script>document.write("INLINE_SCRIPT_MUST_NOT_APPEAR")</script></p>
</main>
</body></html>
"""


def make_docx(path: Path) -> Path:
    import docx

    document = docx.Document()
    document.core_properties.title = "省エネ設備導入支援事業 募集要項（令和７年度）"
    document.add_heading("省エネ設備導入支援事業 募集要項", 0)
    document.add_heading("助成金の額", 1)
    document.add_paragraph("助成金の上限額は１，５００万円とし、助成率は対象経費の３分の２以内とします。")
    table = document.add_table(rows=len(RATES), cols=3)
    for r, row in enumerate(RATES):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    document.add_heading("申請期間", 2)
    document.add_paragraph("令和７年６月２日から令和７年９月３０日まで", style="List Bullet")
    document.save(str(path))
    return path


MARKDOWN = """\
---
title: 省エネ設備導入支援事業 Q&A
publisher: 東京都 産業労働局
---

# 省エネ設備導入支援事業 Q&A

## 助成額

上限額は１，５００万円（助成率３分の２）です。

| 区分 | 助成率 |
| --- | --- |
| 中小企業者 | ３分の２ |
"""


# --- helpers -----------------------------------------------------------------------------------


@pytest.fixture
def kdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty knowledge dir that the CLI's settings point at."""
    knowledge = tmp_path / "knowledge"
    monkeypatch.setenv("ADVISOR_KNOWLEDGE_DIR", str(knowledge))
    return knowledge


def run(*argv: str | Path) -> int:
    return main(["knowledge", "add", *map(str, argv)])


def written(kdir: Path, doc_id: str) -> tuple[str, str]:
    """The body of sources/ID.md as loaded by the project's loader, and the raw YAML."""
    source = load_source(kdir / "sources" / f"{doc_id}.md")
    return source.body, (kdir / "programmes" / f"{doc_id}.yaml").read_text(encoding="utf-8")


def files_below(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if p.is_file()) if path.exists() else []


# --- PDF ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pdf_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_pdf(tmp_path_factory.mktemp("pdf") / "boshu.pdf")


def test_the_test_pdf_really_wraps_its_sentences(pdf_file: Path) -> None:
    with pdfplumber.open(pdf_file) as pdf:
        raw = "\n".join(page.extract_text() for page in pdf.pages)
    assert PURPOSE not in raw and AMOUNT not in raw and ITEM_1 not in raw  # broken over lines
    assert PURPOSE not in raw.replace("\n", " ")


def test_pdf_becomes_markdown_with_headings_tables_and_whole_sentences(kdir: Path, pdf_file: Path) -> None:
    assert run(pdf_file, "--id", "shoene-2025", "--publisher", "東京都 産業労働局") == 0
    body, _ = written(kdir, "shoene-2025")
    lines = body.splitlines()
    assert lines[0] == f"# {TITLE}"
    for heading in ("１ 事業の目的", "２ 助成対象者", "３ 助成金の額", "４ 問合せ先"):
        assert f"## {heading}" in lines
    # each wrapped paragraph is one line again, full-width digits, 円 and ％ as written
    for paragraph in (PURPOSE, AMOUNT, SHORT, ITEM_1, ITEM_2, CONTACT):
        assert paragraph in lines
    assert "１，５００万円" in body and "３０％" in body
    assert "1,500" not in body and "30%" not in body  # not NFKC-normalised
    # the rates table, header, separator and every row, in order
    start = lines.index(RATE_ROWS[0])
    assert lines[start : start + 5] == [RATE_ROWS[0], "| --- | --- | --- |", *RATE_ROWS[1:]]
    assert "中小企業者 ３分の２" not in body  # the table's text is not repeated as a paragraph
    assert "- 1 -" not in body and "- 2 -" not in body  # page numbers dropped


def test_pdf_source_loads_and_its_sections_can_be_cited(kdir: Path, pdf_file: Path) -> None:
    assert run(pdf_file, "--id", "shoene-2025", "--url", "https://www.example.tokyo.jp/shoene") == 0
    source = load_source(kdir / "sources" / "shoene-2025.md")
    meta = source.meta
    assert (meta.id, meta.title, meta.url) == ("shoene-2025", TITLE, "https://www.example.tokyo.jp/shoene")
    assert meta.fiscal_year == "令和7年度"  # read from the title
    assert (meta.publisher, meta.published) == ("TODO", "TODO")
    assert meta.programmes == ["shoene-2025"]
    amount = f"{TITLE} > ３ 助成金の額"
    assert quote_in_section(source.body, amount, "| 中小企業者 | ３分の２ | １，５００万円 |")
    assert quote_in_section(source.body, amount, "助成率は対象経費の３分の２以内とします。")
    assert quote_in_section(source.body, f"{TITLE} > １ 事業の目的", PURPOSE)
    assert set(section_texts(source.body)) == {
        TITLE,
        f"{TITLE} > １ 事業の目的",
        f"{TITLE} > ２ 助成対象者",
        amount,
        f"{TITLE} > ４ 問合せ先",
    }


def test_pdf_layout_rules_paragraphs_items_page_breaks_and_boxes(kdir: Path, tmp_path: Path) -> None:
    pdf_file = make_layout_pdf(tmp_path / "layout.pdf")
    with pdfplumber.open(pdf_file) as pdf:
        first, second = (page.extract_text() for page in pdf.pages)
    assert ACROSS[:20] in first.replace("\n", "") and ACROSS[-20:] in second.replace("\n", "")
    assert run(pdf_file, "--id", "layout", "--title", "レイアウト") == 0
    lines = load_source(kdir / "sources" / "layout.md").body.splitlines()
    assert lines[0] == "# 第１ 事業の目的"  # Gothic in a Mincho document
    for paragraph in (LONG, INDENTED, HANGING, ACROSS, BOXED):
        assert paragraph in lines


def test_retrieved_defaults_to_today_in_tokyo_and_can_be_given(kdir: Path, pdf_file: Path) -> None:
    before = today_in_tokyo()
    assert run(pdf_file, "--id", "a") == 0
    assert load_source(kdir / "sources" / "a.md").meta.retrieved in {
        before.isoformat(),
        today_in_tokyo().isoformat(),
    }
    assert run(pdf_file, "--id", "b", "--retrieved", "2026-04-01", "--fiscal-year", "令和8年度") == 0
    meta = load_source(kdir / "sources" / "b.md").meta
    assert (meta.retrieved, meta.fiscal_year) == ("2026-04-01", "令和8年度")


# --- HTML, DOCX, Markdown ----------------------------------------------------------------------


def test_html_keeps_headings_and_table_and_drops_scripts(kdir: Path, tmp_path: Path) -> None:
    page = tmp_path / "shoene.html"
    page.write_text(HTML, encoding="utf-8")
    assert run(page, "--id", "shoene-web") == 0
    body, _ = written(kdir, "shoene-web")
    meta = load_source(kdir / "sources" / "shoene-web.md").meta
    assert meta.title == "令和７年度 省エネ設備導入支援事業"  # the <h1>, not the <title> with the site name
    assert meta.url == "https://www.example.tokyo.jp/shoene.html"  # the canonical link
    assert meta.fiscal_year == "令和7年度"
    lines = body.splitlines()
    assert "# 令和７年度 省エネ設備導入支援事業" in lines and "## 助成金の額" in lines
    assert "助成金の上限額は１，５００万円とし、助成率は対象経費の３分の２以内とします。" in lines
    assert "| 中小企業者 | ３分の２ | １，５００万円 |" in lines and "| 区分 | 助成率 | 上限額 |" in lines
    assert "詳しくは募集要項をご覧ください。" in lines  # a relative link becomes its text
    for gone in ("SCRIPT_MUST_NOT_APPEAR", "INLINE_SCRIPT", "document.write", "color: red", "ホーム", "<"):
        assert gone not in body


def test_html_in_shift_jis_is_decoded_by_its_meta_charset(kdir: Path, tmp_path: Path) -> None:
    page = tmp_path / "sjis.html"
    html = '<html><head><meta charset="Shift_JIS"></head><body><h1>助成金</h1><p>上限は１，５００万円\nです。'
    page.write_bytes(html.encode("shift_jis"))
    assert run(page, "--id", "sjis") == 0
    body = load_source(kdir / "sources" / "sjis.md").body
    assert body == "# 助成金\n\n上限は１，５００万円です。\n"


def test_docx_keeps_headings_and_table(kdir: Path, tmp_path: Path) -> None:
    assert run(make_docx(tmp_path / "boshu.docx"), "--id", "shoene-docx") == 0
    body, _ = written(kdir, "shoene-docx")
    meta = load_source(kdir / "sources" / "shoene-docx.md").meta
    assert meta.title == "省エネ設備導入支援事業 募集要項（令和７年度）"  # the document's title property
    assert meta.fiscal_year == "令和7年度"
    lines = body.splitlines()
    assert "# 省エネ設備導入支援事業 募集要項" in lines and "# 助成金の額" in lines and "## 申請期間" in lines
    assert "助成金の上限額は１，５００万円とし、助成率は対象経費の３分の２以内とします。" in lines
    start = lines.index(RATE_ROWS[0])
    assert lines[start : start + 5] == [RATE_ROWS[0], "| --- | --- | --- |", *RATE_ROWS[1:]]
    assert quote_in_section(body, "助成金の額", "| 中小企業者 | ３分の２ | １，５００万円 |")


def test_markdown_passes_through_and_its_front_matter_fills_the_metadata(kdir: Path, tmp_path: Path) -> None:
    document = tmp_path / "qa.md"
    document.write_text(MARKDOWN, encoding="utf-8")
    assert run(document, "--id", "shoene-qa", "--url", "https://www.example.tokyo.jp/qa") == 0
    source = load_source(kdir / "sources" / "shoene-qa.md")
    assert source.body == MARKDOWN.split("---\n", 2)[2].lstrip("\n")
    assert (source.meta.title, source.meta.publisher) == ("省エネ設備導入支援事業 Q&A", "東京都 産業労働局")
    assert source.meta.url == "https://www.example.tokyo.jp/qa"
    assert source.meta.fiscal_year == "TODO"  # not stated anywhere


# --- the programme scaffold --------------------------------------------------------------------


FILL: dict[str, Any] = {
    "kind": "grant",
    "type": "bool",
    "rate": "1/2",
    "cap_yen": 1000,
    "start": "2025-04-01",
    "end": "2025-05-01",
    "date": "2025-06-01",
    "must_arrive": False,
    "stated": False,
    "selection": "first_come",
    "id": "x_id",
    "name": "x_id",
    "eligible_items": ["x_id"],
    "answer": "yes",
}


def fill(node: Any, key: str = "") -> Any:
    """Replace every TODO as an editor would (typed by its key), to prove the shape loads."""
    if isinstance(node, dict):
        return {k: fill(v, k) for k, v in node.items()}
    if isinstance(node, list):
        return FILL[key] if node == ["TODO"] and key in FILL else [fill(item, key) for item in node]
    if node == "TODO":
        return FILL.get(key, "filled text")
    return node


def test_scaffold_has_every_programme_field_todo_and_the_source_id(kdir: Path, pdf_file: Path) -> None:
    assert run(pdf_file, "--id", "shoene-2025", "--publisher", "東京都 産業労働局") == 0
    _, text = written(kdir, "shoene-2025")
    data = yaml.safe_load(text)
    assert set(data) == set(Programme.model_fields)
    assert data["id"] == "shoene-2025"
    assert data["kind"] == "TODO" and data["name"]["value"] == "TODO" and data["summary"]["value"] == "TODO"
    assert data["publisher"]["value"] == "東京都 産業労働局" and data["fiscal_year"]["value"] == "令和7年度"
    assert data["calculation"]["categories"][0]["rate"] == "TODO"
    assert data["windows"][0]["start"] == "TODO"
    assert text.count("TODO") > 50
    assert f"#   {TITLE} > ３ 助成金の額" in text  # the citable sections are listed
    # filled in, it is a valid programme whose every source names the new document
    programme = Programme.model_validate(fill(data))
    refs: list[Any] = []
    collect_sources(programme, refs)
    assert len(refs) >= 15 and {ref.doc for ref in refs} == {"shoene-2025"}
    # left as it is, the loader refuses it (and so does the whole knowledge base)
    with pytest.raises(KnowledgeError):
        load_programme(kdir / "programmes" / "shoene-2025.yaml")
    with pytest.raises(KnowledgeError):
        load_knowledge(kdir)


def test_force_overwrites_and_source_only_keeps_the_programme(
    kdir: Path, pdf_file: Path, tmp_path: Path
) -> None:
    assert run(pdf_file, "--id", "shoene") == 0
    programme = kdir / "programmes" / "shoene.yaml"
    programme.write_text("# filled in by hand\n", encoding="utf-8")
    page = tmp_path / "new.html"
    page.write_text(HTML, encoding="utf-8")
    assert run(page, "--id", "shoene", "--force", "--source-only") == 0
    assert "## 助成金の額" in load_source(kdir / "sources" / "shoene.md").body
    assert programme.read_text(encoding="utf-8") == "# filled in by hand\n"
    assert run(pdf_file, "--id", "shoene", "--force") == 0
    assert "TODO" in programme.read_text(encoding="utf-8")
    assert [p.name for p in files_below(kdir)] == ["shoene.yaml", "shoene.md"]  # no temp files left


# --- errors ------------------------------------------------------------------------------------


def assert_bilingual_error(capsys: pytest.CaptureFixture[str], code: int, *words: str) -> str:
    err = capsys.readouterr().err
    assert code != 0
    assert "エラー: " in err and "\nError: " in err and "Traceback" not in err
    for word in words:
        assert word in err
    return err


def test_unsupported_type(kdir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("メモ", encoding="utf-8")
    assert_bilingual_error(capsys, run(text, "--id", "notes"), "未対応", "Unsupported file type")
    assert files_below(kdir) == []


def test_corrupt_pdf(kdir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\nthis is not really a PDF\n")
    assert_bilingual_error(capsys, run(broken, "--id", "broken"), "読み込めません", "Cannot read broken.pdf")
    assert files_below(kdir) == []


def test_truncated_pdf(
    kdir: Path, pdf_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(pdf_file.read_bytes()[:300])
    assert_bilingual_error(capsys, run(truncated, "--id", "truncated"), "truncated.pdf")
    assert files_below(kdir) == []


def test_pdf_without_text(kdir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scan = make_blank_pdf(tmp_path / "scan.pdf")
    assert_bilingual_error(capsys, run(scan, "--id", "scan"), "OCR")
    assert files_below(kdir) == []


def test_corrupt_docx(kdir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"PK\x03\x04 not a zip")
    assert_bilingual_error(capsys, run(broken, "--id", "broken"), "broken.docx")
    assert files_below(kdir) == []


def test_missing_file(kdir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing.pdf"
    assert_bilingual_error(capsys, run(missing, "--id", "missing"), "見つかりません", "No such file")
    assert files_below(kdir) == []


@pytest.mark.parametrize("bad_id", ["Shoene", "shoene_2025", "-shoene", "省エネ", "a/b", "../x", ""])
def test_bad_id(kdir: Path, pdf_file: Path, capsys: pytest.CaptureFixture[str], bad_id: str) -> None:
    assert_bilingual_error(capsys, run(pdf_file, f"--id={bad_id}"), "使えません", "Invalid id")
    assert files_below(kdir) == []


def test_existing_target_without_force(
    kdir: Path, pdf_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = kdir / "sources" / "shoene.md"
    source.parent.mkdir(parents=True)
    source.write_text("hand-written\n", encoding="utf-8")
    err = assert_bilingual_error(capsys, run(pdf_file, "--id", "shoene"), "--force", "Already exists")
    assert str(source) in err
    assert source.read_text(encoding="utf-8") == "hand-written\n"
    assert files_below(kdir) == [source]


def test_bad_retrieved_date(kdir: Path, pdf_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run(pdf_file, "--id", "shoene", "--retrieved", "2026/04/01")
    assert_bilingual_error(capsys, code, "--retrieved", "YYYY-MM-DD")
    assert files_below(kdir) == []


def test_unwritable_target_leaves_nothing(
    kdir: Path, pdf_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kdir.mkdir()
    (kdir / "programmes").write_text("a file where the folder should be", encoding="utf-8")
    assert_bilingual_error(capsys, run(pdf_file, "--id", "shoene"), "書き込めません", "Cannot write")
    assert files_below(kdir) == [kdir / "programmes"]


# --- joining wrapped Japanese ------------------------------------------------------------------


def test_join_wrapped_adds_a_space_only_between_latin_words() -> None:
    assert join_wrapped("助成する", "ことにより") == "助成することにより"
    assert join_wrapped("上限額は", "１，５００万円") == "上限額は１，５００万円"
    assert join_wrapped("CO2", "削減") == "CO2削減" and join_wrapped("削減率", "30%") == "削減率30%"
    assert join_wrapped("energy", "saving") == "energy saving"
    assert (
        join_lines(["本事業は、", "中小企業の", "ためのものです。"]) == "本事業は、中小企業のためのものです。"
    )
    assert (
        remove_cjk_newlines("上限額は\n  １，５００万円\nです。\nSee\nalso")
        == "上限額は１，５００万円です。See\nalso"
    )
