"""A whole commemorative album rendered and read back: what a reader of the printed book sees must
agree with the plan. Table of contents page numbers, the photographer index and Chinese line
breaking in captions are checked on the PDF's own text (pypdfium2 character positions), never on
the Book the writer was given; the Book only tells where a caption frame is on its page.

The album: four chapters, about fifty photos (corpus photos, the EXIF orientation files and a few
portrait, square and panorama crops cut from the corpus so every shape occurs, one panorama from an
upscaled 18 MP copy of a corpus photo, tests/corpus_derived.py), Chinese captions
full of punctuation with Latin words and numbers, six photographers. Rendered once per module.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
import pytest
from PIL import Image

from album.layout.book import Book, TextFrame
from album.layout.linebreak import is_lone_character
from album.ingest.captions import PhotoMeta
from album.catalog import create_album, get_or_create_chapter
from album.config import load_settings
from album.db import transaction
from album.home import Home, open_home
from album.ingest.importer import import_paths
from album.models import ReviewState
from album.layout.front_matter import chinese_ordinal
from album.publish import render_album
from locations import CORPUS
from corpus_derived import LARGE_NAME, large_photo

pytestmark = pytest.mark.slow  # renders a whole album, proof and print

MM = 72 / 25.4
# From design.md: no line starts with closing punctuation, none ends with opening punctuation.
CLOSING = set("，。、；：？！）」』》〉】〕〗］｝’”…—·.,;:?!)]}%")
OPENING = set("（「『《〈【〔〖［｛‘“([{")

PHOTOGRAPHERS = ["张伟", "李娜", "欧阳晓明", "王芳", "Anna Berg", "赵磊"]
UNITS = ["县融媒体中心", "县委宣传部", "", "市摄影家协会"]
CHAPTERS = {
    "红色印记": "从第一面党旗在山村升起，到“两学一做”进农家，本篇记录党的旗帜在基层的七十年。",
    "产业振兴": "茶园、果园、扶贫车间……因地制宜发展特色产业，让群众在家门口就业增收。",
    "乡村新貌": "路通了，水来了，电亮了；4G/5G信号覆盖到每一个自然村。",
    "民生温度": "教育、医疗、住房——每一项民生工程，都连着千家万户的冷暖。",
}
CAPTIONS = [
    "2019年3月，驻村第一书记（左二）与村民一起查看新栽的猕猴桃苗。“今年能挂果吗？”“能！”乡亲们回答得响亮而笃定。",
    "《山乡巨变》摄制组在村口拍摄：全村修通硬化路12.5公里、安装路灯386盏，实现4G/5G信号全覆盖……",
    "扶贫车间里，女工们正在赶制出口欧洲的毛绒玩具（订单来自Hamburg的一家公司），人均月收入达3,200元；"
    "车间负责人说：「明年还要再扩大一倍！」",
    "清晨的茶园。",
    "村小学新建的多媒体教室里，孩子们第一次通过Internet与省城的学校“同上一堂课”。老师说：“这是他们离外面的世界最近的一次。”"
    "（摄于2020年9月1日开学第一天，当天共有127名学生返校。）",
    "合作社理事长算了一笔账：种植面积从200亩扩大到1,500亩，亩均收入提高40%以上；"
    "入社农户187户，其中建档立卡贫困户63户，已全部脱贫。",
    "易地扶贫搬迁安置点全景：共建成住房620套，配套建设幼儿园、卫生室、文化广场和“扶贫超市”。",
    "雨后的山村，云雾缭绕。",
    "县医院远程会诊中心，专家通过5G网络为偏远乡镇的患者会诊（CT影像实时传输），"
    "“小病不出村、大病不出县”正在成为现实。",
    "老党员讲述：“那时候，我们就是靠一副肩膀、两条腿，把物资一担一担挑进山里的。”",
]

PANORAMA_SOURCES = ["kde-path.jpg", "mate-garden.jpg"]
PORTRAIT_SOURCES = ["kde-bythewater.jpg", "kde-kite.jpg", "kde-onestandsout.jpg", "mate-twowings.jpg",
                    "kde-fallenleaf.jpg", "mate-ladybird.jpg", "kde-eveningglow.jpg", "mate-aqua.jpg",
                    "mate-storm.jpg", "kde-colorfulcups.jpg"]
BIG_PANORAMA = LARGE_NAME  # 5640 px wide (an upscaled corpus photo): enough pixels for a spread
FOUR_THREE_SOURCES = ["kde-darkesthour.jpg", "kde-summer_1am.jpg", "mate-dune.jpg", "kde-grey.jpg"]
SQUARE_SOURCES = ["kde-coldripple.jpg", "mate-yellowflower.jpg"]


@dataclass
class RenderedAlbum:
    home: Home
    book: Book
    proof: Path
    print_pdf: Path
    captions: dict[str, str]  # file name → caption


def derived_photos(folder: Path) -> list[Path]:
    """Portrait, square and panorama crops of corpus photos: the shapes the corpus lacks.
    Each is a new file (its own sha256), as an editor's crop of a scan would be."""
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for name in PORTRAIT_SOURCES:
        with Image.open(CORPUS / "photos" / name) as im:
            w, h = im.size
            cw = int(h * (0.66 if len(made) % 2 else 0.75))
            x = (w - cw) // 3
            out = folder / f"竖-{Path(name).stem}.jpg"
            im.convert("RGB").crop((x, 0, x + cw, h)).save(out, quality=88)
            made.append(out)
    for name in FOUR_THREE_SOURCES:
        with Image.open(CORPUS / "photos" / name) as im:
            w, h = im.size
            out = folder / f"四比三-{Path(name).stem}.jpg"
            im.convert("RGB").crop((w - h * 4 // 3, 0, w, h)).save(out, quality=88)
            made.append(out)
    for name in SQUARE_SOURCES:
        with Image.open(CORPUS / "photos" / name) as im:
            w, h = im.size
            out = folder / f"方-{Path(name).stem}.jpg"
            im.convert("RGB").crop(((w - h) // 2, 0, (w + h) // 2, h)).save(out, quality=88)
            made.append(out)
    big = large_photo(CORPUS, folder / "large")
    for source in [CORPUS / "photos" / name for name in PANORAMA_SOURCES] + [big]:
        with Image.open(source) as im:
            w, h = im.size
            ph = int(w / 2.8)
            out = folder / f"全景-{source.stem}.jpg"
            im.convert("RGB").crop((0, (h - ph) // 2, w, (h + ph) // 2)).save(out, quality=88)
            made.append(out)
    return made


def album_files(tmp: Path) -> list[Path]:
    photos = sorted((CORPUS / "photos").glob("*.jpg"))
    oriented = sorted((CORPUS / "exif" / "jpg" / "orientation").glob("*.jpg"))
    files = photos + oriented + derived_photos(tmp / "crops")
    random.Random(20240501).shuffle(files)
    big = next(f for f in files if BIG_PANORAMA[:-4] in f.name)  # apart from the other panoramas
    files.remove(big)
    files.insert(len(files) * 3 // 8, big)
    return files


def build_album(tmp: Path, page_multiple: int = 4) -> tuple[Home, int, dict[str, PhotoMeta]]:
    """The test album in a fresh home, through the same core calls the CLI makes."""
    home = open_home(load_settings(tmp / "home"), create=True)
    files = album_files(tmp)
    titles = list(CHAPTERS)
    with transaction(home.factory) as session:
        album = create_album(session, "青山作证——某县脱贫攻坚纪实")
        album.subtitle = "1949—2024 影像志"
        album.publisher = "中共某县委宣传部　编"
        album.page_multiple = page_multiple
        album.preface = "\n".join([
            "这是一部用镜头写成的县志。全书收录照片五十余幅，分为四篇，记录了一个山区县从"
            "“吃饭靠救济、出行靠步行”到“产业有支撑、生活有奔头”的历程。" * 2,
            "照片均由本县摄影工作者和基层干部拍摄，图片说明经当事人核对；个别照片的拍摄时间、"
            "地点不详者，注明“时间不详”。" * 2,
        ])
        album.afterword = "本书编辑历时一年，得到全县各乡镇、各部门的大力支持，谨致谢忱。" * 4
        for title, opener in CHAPTERS.items():
            get_or_create_chapter(session, album, title).opener_text = opener
        album_id = album.id
    metas: dict[str, PhotoMeta] = {}
    per_chapter: dict[str, list[Path]] = {t: [] for t in titles}
    for n, path in enumerate(files):
        title = titles[n * len(titles) // len(files)]
        per_chapter[title].append(path)
        caption = CAPTIONS[(n * 7) % len(CAPTIONS)]
        metas[path.name] = PhotoMeta(caption=caption, photographer=PHOTOGRAPHERS[n % len(PHOTOGRAPHERS)],
                                     unit=UNITS[n % len(UNITS)], place="某县", date="2020-06-01")
    for title in titles:
        report = import_paths(home.factory, home.store, home.settings.limits, album_id,
                              per_chapter[title], chapter=title, captions=metas,
                              status=ReviewState.accepted)
        assert report.count("added") == len(per_chapter[title]), report.outcomes
    return home, album_id, metas


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> RenderedAlbum:
    tmp = tmp_path_factory.mktemp("book")
    home, album_id, metas = build_album(tmp)
    proof = render_album(home, album_id, "proof", out_path=tmp / "proof.pdf")
    printed = render_album(home, album_id, "print", out_path=tmp / "print.pdf")
    yield RenderedAlbum(home, proof.book, proof.pdf_path, printed.pdf_path,
                        {k: m.caption for k, m in metas.items()})
    home.close()


# --- reading the PDF back --------------------------------------------------------------------

@dataclass(frozen=True)
class Glyph:
    char: str
    x_mm: float  # left edge, from the trim box's left edge
    right_mm: float
    baseline_mm: float  # from the trim box's top edge, downwards
    size_pt: float


def page_glyphs(pdf: pdfium.PdfDocument, index: int) -> list[Glyph]:
    """Upright, printable characters of one page in trim-box millimetres (the watermark is set
    at an angle and is left out, as are the spaces PDFium invents between words)."""
    page = pdf[index]
    left, _bottom, _right, top = page.get_trimbox()
    text = page.get_textpage()
    out = []
    for i in range(text.count_chars()):
        c = text.get_text_range(i, 1)
        if not c.strip() or abs(pdfium_raw.FPDFText_GetCharAngle(text.raw, i)) > 1e-3:
            continue
        x0, _y0, x1, _y1 = text.get_charbox(i)
        ox, oy = pdfium_raw.c_double(), pdfium_raw.c_double()
        pdfium_raw.FPDFText_GetCharOrigin(text.raw, i, ox, oy)
        out.append(Glyph(c, (x0 - left) / MM, (x1 - left) / MM, (top - oy.value) / MM,
                         pdfium_raw.FPDFText_GetFontSize(text.raw, i)))
    return out


def lines_in(glyphs: list[Glyph], x0: float, y0: float, x1: float, y1: float,
             slack_mm: float = 1.0) -> list[str]:
    """The lines of text whose glyphs lie inside a rectangle, top to bottom, each left to right."""
    inside = [g for g in glyphs if x0 - slack_mm <= (g.x_mm + g.right_mm) / 2 <= x1 + slack_mm
              and y0 - slack_mm <= g.baseline_mm <= y1 + slack_mm]
    rows: dict[float, list[Glyph]] = {}
    for g in sorted(inside, key=lambda g: g.baseline_mm):
        key = next((k for k in rows if abs(k - g.baseline_mm) < 0.4), g.baseline_mm)
        rows.setdefault(key, []).append(g)
    return ["".join(g.char for g in sorted(row, key=lambda g: g.x_mm)) for _, row in sorted(rows.items())]


def page_texts(path: Path) -> list[str]:
    """Each page's upright text with all white space removed."""
    pdf = pdfium.PdfDocument(path)
    try:
        return ["".join(g.char for g in sorted(page_glyphs(pdf, i), key=lambda g: (round(g.baseline_mm), g.x_mm)))
                for i in range(len(pdf))]
    finally:
        pdf.close()


def page_list(text: str) -> set[int]:
    """"3–5, 9" → {3, 4, 5, 9}."""
    pages: set[int] = set()
    for part in re.split(r"[,，]", text):
        part = part.strip()
        if not part:
            continue
        a, _, b = part.partition("–")
        pages.update(range(int(a), int(b or a) + 1))
    return pages


def toc_lines(path: Path) -> list[str]:
    """The table of contents as lines of text, from the pages between the TOC heading and the
    first chapter opener."""
    pdf = pdfium.PdfDocument(path)
    try:
        lines = []
        for i in range(len(pdf)):
            glyphs = page_glyphs(pdf, i)
            page_lines = lines_in(glyphs, -1, -1, 999, 999)
            if any(line.replace("\u3000", "") == "目录" for line in page_lines) or (lines and not any(
                    line.startswith("第一篇") and len(line) < 12 for line in page_lines)
                    and any("." * 5 in line for line in page_lines)):
                lines.extend(page_lines)
            elif lines:
                break
        return lines
    finally:
        pdf.close()


# --- the tests -------------------------------------------------------------------------------

def test_album_is_big_enough_and_a_multiple_of_four(rendered: RenderedAlbum) -> None:
    proof = pdfium.PdfDocument(rendered.proof)
    printed = pdfium.PdfDocument(rendered.print_pdf)
    try:
        assert len(proof) >= 40
        assert len(proof) == len(printed) == rendered.book.page_count
        assert len(proof) % 4 == 0
    finally:
        proof.close()
        printed.close()


def test_toc_page_numbers_are_where_the_openers_are(rendered: RenderedAlbum) -> None:
    texts = page_texts(rendered.proof)
    lines = toc_lines(rendered.proof)
    assert lines, "no table of contents found"
    entries: dict[str, int] = {}
    for line in lines:
        m = re.fullmatch(r"(.+?)[.\s]*?(\d+)", line)
        if m and "." in line:
            entries[m[1].rstrip(".").replace("\u3000", "")] = int(m[2])
    titles = list(CHAPTERS)
    for n, title in enumerate(titles, 1):
        key = f"第{chinese_ordinal(n)}篇{title}"
        assert key in entries, (key, lines)
        # the opener: the one page carrying both the chapter number and its title
        openers = [i + 1 for i, t in enumerate(texts) if f"第{chinese_ordinal(n)}篇" in t and title in t
                   and "目录" not in t and "目\u3000录" not in t]
        assert openers == [entries[key]], (title, openers, entries[key])
        assert entries[key] % 2 == 1, "a chapter opens on a right-hand page"
    # the back matter listed after the chapters opens where the TOC says (the preface comes
    # before the TOC in this book and so is not listed)
    for section in ("摄影者索引", "后记"):
        assert section in entries, (section, lines)
        assert texts[entries[section] - 1].startswith(section), (section, entries[section])
    assert entries[f"第四篇{titles[3]}"] < entries["摄影者索引"] < entries["后记"]


def test_photographer_index_lists_the_pages_of_their_photos(rendered: RenderedAlbum) -> None:
    pdf = pdfium.PdfDocument(rendered.proof)
    try:
        texts = page_texts(rendered.proof)
        credited: dict[str, set[int]] = {}
        for i, text in enumerate(texts):
            for name in PHOTOGRAPHERS:
                if "摄影：" + name.replace(" ", "") in text:
                    credited.setdefault(name, set()).add(i + 1)
        index_start = next(i for i, t in enumerate(texts) if t.startswith("摄影者索引"))
        listed: dict[str, set[int]] = {}
        for i in range(index_start, len(pdf)):
            if i > index_start and not any("." * 5 in line for line in lines_in(page_glyphs(pdf, i), -1, -1, 999, 999)):
                break
            for line in lines_in(page_glyphs(pdf, i), -1, 30, 999, 999):
                m = re.fullmatch(r"(.+?)\.{3,}([\d–,，]+)", line.replace(" ", ""))
                if m:
                    listed[m[1]] = page_list(m[2])
        assert set(listed) == {n.replace(" ", "") for n in PHOTOGRAPHERS}, listed
        # every photo's credit is printed, once: no photo lost its caption to a layout
        assert sum(t.count("摄影：") for t in texts) == len(rendered.captions)
        for name in PHOTOGRAPHERS:
            pages = listed[name.replace(" ", "")]
            assert credited[name] <= pages, (name, credited[name], pages)
            # a page listed without a credit on it is the left half of a spread: its caption and
            # credit are on the facing right-hand page, and a photo runs off its gutter edge
            for extra in pages - credited[name]:
                assert extra % 2 == 0 and extra + 1 in credited[name], (name, extra)
                assert _photo_reaches_gutter(pdf, extra - 1), (name, extra)
    finally:
        pdf.close()


def _photo_reaches_gutter(pdf: pdfium.PdfDocument, index: int) -> bool:
    page = pdf[index]
    _left, _bottom, right, _top = page.get_trimbox()
    for obj in page.get_objects(filter=[pdfium_raw.FPDF_PAGEOBJ_IMAGE]):
        _x0, _y0, x1, _y1 = obj.get_bounds()
        if x1 >= right - 0.5:
            return True
    return False


def test_no_caption_line_starts_with_closing_or_ends_with_opening_punctuation(
        rendered: RenderedAlbum) -> None:
    pdf = pdfium.PdfDocument(rendered.proof)
    try:
        checked_lines = 0
        wrapped = 0
        for page in rendered.book.pages:
            captions = [f for f in page.text_frames() if f.role == "caption"]
            if not captions:
                continue
            glyphs = page_glyphs(pdf, page.number - 1)
            for frame in captions:
                lines = _frame_lines(glyphs, frame)
                expected = "".join(b.text for b in frame.blocks)
                assert "".join(lines) == re.sub(r"\s", "", expected), (page.number, lines, expected)
                wrapped += len(lines) > len(frame.blocks)
                for line in lines:
                    checked_lines += 1
                    assert line[0] not in CLOSING, (page.number, line)
                    assert line[-1] not in OPENING, (page.number, line)
        assert checked_lines > 100 and wrapped > 20, (checked_lines, wrapped)
    finally:
        pdf.close()


def test_no_caption_ends_with_a_lone_character(rendered: RenderedAlbum) -> None:
    """孤字: a caption of two or more lines never leaves one character alone on its last line."""
    pdf = pdfium.PdfDocument(rendered.proof)
    try:
        wrapped = 0
        for page in rendered.book.pages:
            glyphs = page_glyphs(pdf, page.number - 1)
            for frame in page.text_frames():
                if frame.role != "caption" or not frame.blocks:
                    continue
                lines = _frame_lines(glyphs, frame)
                caption = re.sub(r"\s", "", frame.blocks[0].text)
                count = next(n for n in range(1, len(lines) + 1) if "".join(lines[:n]) == caption)
                if count >= 2:
                    wrapped += 1
                    assert not is_lone_character(lines[count - 1]), (page.number, lines)
        assert wrapped > 20, wrapped
    finally:
        pdf.close()


def _frame_lines(glyphs: list[Glyph], frame: TextFrame) -> list[str]:
    r = frame.rect
    # a caption's glyphs sit on baselines inside its frame (shrink-to-fit keeps them there)
    return lines_in(glyphs, r.x_mm, r.y_mm, r.right_mm, r.bottom_mm, slack_mm=0.5)


def test_latin_words_and_numbers_are_not_split(rendered: RenderedAlbum) -> None:
    pdf = pdfium.PdfDocument(rendered.proof)
    try:
        words = ("Hamburg", "Internet", "3,200", "1,500", "12.5", "2020", "4G/5G",
                 # numbers with their units (CLREQ): never split from them either
                 "2019年", "12.5公里", "386盏", "3,200元", "200亩", "1,500亩", "187户", "63户",
                 "620套", "127名", "2020年", "9月", "1日")
        seen = 0
        for page in rendered.book.pages:
            glyphs = page_glyphs(pdf, page.number - 1)
            for frame in page.text_frames():
                if frame.role != "caption":
                    continue
                lines = _frame_lines(glyphs, frame)
                for a, b in zip(lines, lines[1:]):
                    joint = a[-8:] + "|" + b[:8]
                    for word in words:
                        for cut in range(1, len(word)):
                            assert word[:cut] + "|" + word[cut:] not in joint, (page.number, joint)
                seen += sum(w in "".join(lines) for w in words)
        assert seen > 10
    finally:
        pdf.close()


def test_chapter_openers_carry_no_folio_and_photo_pages_do(rendered: RenderedAlbum) -> None:
    pdf = pdfium.PdfDocument(rendered.proof)
    try:
        assert rendered.book.pages, "no pages rendered"
        for page in rendered.book.pages:
            glyphs = page_glyphs(pdf, page.number - 1)
            h = rendered.book.trim_height_mm
            bottom = "".join(g.char for g in glyphs if g.baseline_mm > h - 16)
            if page.kind in ("opener", "blank", "title"):
                assert bottom == "", (page.number, page.kind, bottom)
            elif page.kind == "photo" and page.folio:
                assert bottom == str(page.number), (page.number, bottom)
    finally:
        pdf.close()


def test_photo_openers_set_their_text_on_white_below_the_photo(rendered: RenderedAlbum) -> None:
    """A chapter that has a landscape photo good enough opens on it: the PDF's opener page holds
    one image bleeding off the top, and every character (number, title, opener text, caption)
    sits below it, on paper, inside the safe zone."""
    pdf = pdfium.PdfDocument(rendered.print_pdf)
    try:
        openers = [p for p in rendered.book.pages if p.kind == "opener"]
        pictured = [p for p in openers if p.photo_frames()]
        assert pictured, [p.template for p in openers]
        for page in pictured:
            pdf_page = pdf[page.number - 1]
            left, _bottom, right, top = pdf_page.get_trimbox()
            images = list(pdf_page.get_objects(filter=[pdfium_raw.FPDF_PAGEOBJ_IMAGE]))
            assert len(images) == 1, page.number
            x0, y0, x1, y1 = images[0].get_bounds()
            if page.template == "opener-photo":
                assert y1 >= top + 2 * MM and x0 <= left - 2 * MM and x1 >= right + 2 * MM  # bleeds
            photo_bottom_mm = (top - y0) / MM
            w, h = rendered.book.trim_width_mm, rendered.book.trim_height_mm
            glyphs = [g for g in page_glyphs(pdf, page.number - 1)  # not the slug outside the trim
                      if 0 <= g.x_mm <= w and 0 <= g.baseline_mm <= h]
            assert glyphs and all(g.baseline_mm > photo_bottom_mm for g in glyphs), page.number
            assert all(6 <= g.x_mm and g.right_mm <= w - 6 and g.baseline_mm <= h - 6 for g in glyphs)
            text = "".join(g.char for g in glyphs)
            n = next(c.number for c in rendered.book.chapters if c.opener_page == page.number)
            assert f"第{chinese_ordinal(n)}篇" in text and "摄影：" in text
    finally:
        pdf.close()
