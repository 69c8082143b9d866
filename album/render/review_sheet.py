"""The 审稿单: one A4 sheet per proof that the editorial office files with the book.

Every stage is listed in book order, signed or not, so the paper shows at a glance what is
still missing; an unsigned stage keeps an empty row for a handwritten signature.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from xml.sax.saxutils import escape

from album.render.fonts import load_fonts
from album.units import mm_to_pt as mm


@dataclass(frozen=True)
class SheetRow:
    stage: str  # 初审, 一校, 专家审读…
    decision: str  # 通过 / 修改后通过 / 退改, or "" when not signed
    opinion: str
    signer: str
    date: str
    note: str = ""  # e.g. "更正第3条"


@dataclass(frozen=True)
class ReviewSheet:
    book_title: str
    proof_number: int
    proof_date: str
    page_count: int
    proof_sha256: str
    rows: tuple[SheetRow, ...]
    issued: str  # the day the sheet was printed


def write_review_sheet(sheet: ReviewSheet, out_path: Path) -> None:
    """Write ``sheet`` as a one- (or more-) page A4 PDF with the book's fonts embedded."""
    fonts = load_fonts()
    song, hei = fonts.name("song"), fonts.name("hei")
    title = ParagraphStyle("title", fontName=hei, fontSize=20, leading=28, alignment=TA_CENTER)
    body = ParagraphStyle("body", fontName=song, fontSize=10, leading=15, wordWrap="CJK")
    head = ParagraphStyle("head", parent=body, fontName=hei)
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=11, textColor=colors.grey)

    def cell(text: str, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(escape(text).replace("\n", "<br/>"), style)

    facts = Table(
        [[cell("书名", head), cell(sheet.book_title), cell("校样", head), cell(f"第{sheet.proof_number}版")],
         [cell("出样日期", head), cell(sheet.proof_date), cell("页数", head), cell(f"{sheet.page_count} 页")]],
        colWidths=[mm(22), mm(68), mm(22), mm(58)])
    rows = [[cell(text, head) for text in ("环节", "结论", "审读意见", "签名", "日期")]]
    for row in sheet.rows:
        opinion = "\n".join(part for part in (row.opinion, f"（{row.note}）" if row.note else "") if part)
        rows.append([cell(row.stage, head), cell(row.decision), cell(opinion), cell(row.signer),
                     cell(row.date)])
    stages = Table(rows, colWidths=[mm(22), mm(24), mm(74), mm(26), mm(24)], repeatRows=1)
    grid = [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]
    facts.setStyle(TableStyle(grid))
    stages.setStyle(TableStyle([*grid, ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92)),
                                *[("MINROWHEIGHT", (0, r), (-1, r), mm(14)) for r in range(1, len(rows))]]))
    story = [
        Paragraph("审 稿 单", title), Spacer(0, mm(6)), facts, Spacer(0, mm(5)), stages,
        Spacer(0, mm(4)),
        cell(f"校样文件 SHA-256：{sheet.proof_sha256 or '（未记录）'}", small),
        cell(f"打印日期：{sheet.issued}。签署记录只增不改，更正另立一条并注明所更正的记录。", small),
    ]
    out_path.parent.mkdir(parents=True, exist_ok=True)
    doc = SimpleDocTemplate(str(out_path), pagesize=A4, leftMargin=mm(20), rightMargin=mm(20),
                            topMargin=mm(20), bottomMargin=mm(20),
                            title=f"{sheet.book_title} 审稿单 校样第{sheet.proof_number}版")
    doc.build(story, canvasmaker=partial(Canvas, **fonts.canvas_options()))
