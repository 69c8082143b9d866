"""Office documents as A4 PDF in the book's fonts: the progress report (通报) and letters (函).

The documents arrive as plain data (``ReportDocument``, ``Letter``) built by album/reports; this
module only draws them, with ReportLab's platypus for flowing tables and text and a bar chart
drawn as shapes. Song for text, Hei for titles and headers, all embedded and subset.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from xml.sax.saxutils import escape

from album.render.fonts import FontSet, load_fonts
from album.units import mm_to_pt

MARGIN_MM = 20
LAGGING_RED = colors.HexColor("#c0392b")
ON_TARGET = colors.HexColor("#2e7d5b")
TARGET_MARK = colors.HexColor("#333333")


@dataclass(frozen=True)
class TableBlock:
    title: str
    headers: list[str]
    rows: list[list[str]]
    widths_mm: list[float] | None = None
    highlight_rows: frozenset[int] = frozenset()  # row indexes (0 = first data row) set in red


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    target: int | None


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: list[Bar]
    legend: str = ""


@dataclass(frozen=True)
class ReportDocument:
    title: str
    number_line: str
    date_line: str
    summary: list[str]
    blocks: list[TableBlock | BarChart] = field(default_factory=list)
    issuer: str = ""


@dataclass(frozen=True)
class Letter:
    """One 函: a page with title, reference, addressee, body paragraphs and the signature."""

    title: str
    reference: str
    addressee: str
    paragraphs: list[str]
    issuer: str
    date_line: str


class _Styles:
    def __init__(self, fonts: FontSet) -> None:
        song, hei = fonts.name("song"), fonts.name("hei")
        self.title = ParagraphStyle("title", fontName=hei, fontSize=18, leading=26, alignment=TA_CENTER,
                                    spaceAfter=6, wordWrap="CJK")
        self.centre = ParagraphStyle("centre", fontName=song, fontSize=11, leading=16, alignment=TA_CENTER,
                                     wordWrap="CJK")
        self.heading = ParagraphStyle("heading", fontName=hei, fontSize=13, leading=20, spaceBefore=10,
                                      spaceAfter=4, wordWrap="CJK")
        self.body = ParagraphStyle("body", fontName=song, fontSize=12, leading=21, firstLineIndent=24,
                                   alignment=TA_JUSTIFY, wordWrap="CJK")
        self.plain = ParagraphStyle("plain", parent=self.body, firstLineIndent=0)
        self.right = ParagraphStyle("right", parent=self.plain, alignment=TA_RIGHT)
        self.cell = ParagraphStyle("cell", fontName=song, fontSize=8, leading=10, wordWrap="CJK")
        self.header = ParagraphStyle("header", fontName=hei, fontSize=8, leading=10, alignment=TA_CENTER,
                                     wordWrap="CJK")
        self.hei, self.song = hei, song


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _document(path: Path, fonts: FontSet, title: str) -> SimpleDocTemplate:
    margin = mm_to_pt(MARGIN_MM)
    # Without an initial font, every page would name Helvetica, a font not embedded.
    return SimpleDocTemplate(str(path), pagesize=A4, leftMargin=margin, rightMargin=margin, topMargin=margin,
                             bottomMargin=margin, title=title, author="huace", pageCompression=1,
                             **fonts.canvas_options())


def _table(block: TableBlock, styles: _Styles, width_pt: float) -> Table:
    data = [[_p(h, styles.header) for h in block.headers]]
    data += [[_p(v, styles.cell) for v in row] for row in block.rows]
    widths = [mm_to_pt(w) for w in block.widths_mm] if block.widths_mm else [width_pt / len(block.headers)] * len(
        block.headers)
    table = Table(data, colWidths=widths, repeatRows=1)
    commands = [("FONTNAME", (0, 0), (-1, -1), styles.song),  # a cell's default would be Helvetica
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
    for index in block.highlight_rows:
        commands.append(("TEXTCOLOR", (0, index + 1), (-1, index + 1), LAGGING_RED))
    table.setStyle(TableStyle(commands))
    return table


def _chart(chart: BarChart, styles: _Styles, width_pt: float) -> Drawing:
    """Horizontal bars (有效报送) with a tick at each target; bars short of it in red."""
    row_h, label_w, pad = 13.0, 80.0, 4.0
    top = max([b.value for b in chart.bars] + [b.target or 0 for b in chart.bars] + [1])
    scale = (width_pt - label_w - 40) / top
    height = row_h * len(chart.bars) + 24
    drawing = Drawing(width_pt, height, initialFontName=styles.song)  # not the renderer's Helvetica
    for i, bar in enumerate(chart.bars):
        y = height - 14 - (i + 1) * row_h
        lagging = bar.target is not None and bar.value < bar.target
        drawing.add(String(label_w - pad, y + 3, bar.label, fontName=styles.song, fontSize=8, textAnchor="end"))
        drawing.add(Rect(label_w, y + 1, max(bar.value * scale, 0.5), row_h - 4, strokeColor=None,
                         fillColor=LAGGING_RED if lagging else ON_TARGET))
        drawing.add(String(label_w + bar.value * scale + 3, y + 3, str(bar.value), fontName=styles.song, fontSize=7))
        if bar.target is not None:
            x = label_w + bar.target * scale
            drawing.add(Line(x, y - 1, x, y + row_h - 1, strokeColor=TARGET_MARK, strokeWidth=1.2))
    if chart.legend:
        drawing.add(String(label_w, height - 10, chart.legend, fontName=styles.song, fontSize=8))
    return drawing


def write_report_pdf(doc_data: ReportDocument, path: Path) -> None:
    fonts = load_fonts()
    styles = _Styles(fonts)
    doc = _document(path, fonts, doc_data.title)
    story: list = [_p(doc_data.title, styles.title), _p(doc_data.number_line, styles.centre),
                   _p(doc_data.date_line, styles.centre), Spacer(1, 10)]
    story += [_p(line, styles.body) for line in doc_data.summary]
    for block in doc_data.blocks:
        heading = _p(block.title, styles.heading)
        if isinstance(block, BarChart):
            story.append(KeepTogether([heading, _chart(block, styles, doc.width)]))
        else:
            story += [heading, _table(block, styles, doc.width)]
    if doc_data.issuer:
        story += [Spacer(1, 16), _p(doc_data.issuer, styles.right), _p(doc_data.date_line, styles.right)]
    doc.build(story)


def write_letters_pdf(letters: list[Letter], path: Path) -> None:
    """Every letter on a page of its own, in one PDF."""
    fonts = load_fonts()
    styles = _Styles(fonts)
    doc = _document(path, fonts, letters[0].title if letters else "函")
    story: list = []
    for n, letter in enumerate(letters):
        if n:
            story.append(PageBreak())
        story += [_p(letter.title, styles.title), _p(letter.reference, styles.centre), Spacer(1, 14),
                  _p(f"{letter.addressee}：", styles.plain)]
        story += [_p(text, styles.body) for text in letter.paragraphs]
        story += [Spacer(1, 28), _p(letter.issuer, styles.right), _p(letter.date_line, styles.right)]
    doc.build(story)
