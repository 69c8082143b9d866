"""Join page-range PDFs into one file with pikepdf, streaming image data from disk.

ReportLab keeps every object of a document, image bytes included, in memory until ``save``,
and then builds the whole file as one string. A 240-page print PDF holds over a gigabyte of
CMYK JPEGs, so one canvas for the whole book would need several gigabytes. The writer draws
the book in parts of bounded image bytes instead, each its own small ReportLab document, and
this module joins them: qpdf copies foreign objects lazily and reads stream data from the
part files while writing, so memory stays at the object structure, not the images.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import pikepdf

from album.errors import RenderError


def join_parts(parts: list[Path], dest: Path) -> None:
    """Write the pages of ``parts``, in order, to ``dest``; document info from the first."""
    if not parts:
        raise RenderError("没有可合并的页面")
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
