"""Join page-range PDFs into one file, streaming image data from disk.

ReportLab keeps every object of a document, image bytes included, in memory until ``save``,
and then builds the whole file as one string. A 200-page print PDF holds half a gigabyte or
more of CMYK JPEGs, so one canvas for the whole book needs several times that. The writer
draws the book in parts of bounded image bytes instead, each its own small ReportLab document,
and this module joins them with the ``qpdf`` program: it keeps every part open and copies
stream data from the part files while writing, so it needs about 45 MB whatever the book's
size (measured: 555 MB of parts in 0.9 s). pikepdf runs the same library but tells it to copy
foreign streams into memory at once (so a closed source cannot dangle), which costs the whole
book's size in memory; it is only the fallback where the program is missing.
"""

from __future__ import annotations

import shutil
import subprocess
from contextlib import ExitStack
from pathlib import Path

import pikepdf

from album.errors import RenderError


def join_parts(parts: list[Path], dest: Path, *, qpdf: str | None = "auto") -> None:
    """Write the pages of ``parts``, in order, to ``dest``; document info from the first.
    ``qpdf`` is the program to use ("auto": found on PATH; None: join with pikepdf)."""
    if not parts:
        raise RenderError("没有可合并的页面")
    program = shutil.which("qpdf") if qpdf == "auto" else qpdf
    if program:
        _join_with_qpdf(program, parts, dest)
    else:
        _join_with_pikepdf(parts, dest)


def _join_with_qpdf(program: str, parts: list[Path], dest: Path) -> None:
    # The first part is the primary input, so its catalog and /Info carry over; streams are
    # copied as they are (no decoding, no recompression).
    cmd = [program, "--stream-data=preserve", "--decode-level=none", str(parts[0]),
           "--pages", ".", *map(str, parts[1:]), "--", str(dest)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        message = (done.stderr or done.stdout).strip().splitlines()
        raise RenderError(f"合并分段 PDF 失败：{message[-1] if message else done.returncode}")


def _join_with_pikepdf(parts: list[Path], dest: Path) -> None:
    with ExitStack() as stack:
        out = stack.enter_context(pikepdf.new())
        version = "1.4"
        for index, part in enumerate(parts):
            try:
                src = stack.enter_context(pikepdf.open(part))
            except pikepdf.PdfError as exc:
                raise RenderError(f"分段 PDF 无法读取：{part.name}（{exc}）") from exc
            version = max(version, src.pdf_version)
            if index == 0:
                for key, value in src.docinfo.items():
                    out.docinfo[key] = value
            out.pages.extend(src.pages)
        # Streams are copied as they are: no decoding or recompression, which would only
        # cost time (images are JPEG, content streams already Flate).
        out.save(dest, min_version=version, compress_streams=False,
                 stream_decode_level=pikepdf.StreamDecodeLevel.none)
