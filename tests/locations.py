"""Where the tests find the repository and the test corpus, whatever folder under tests/ they are in.

Test modules import from here (``from locations import CORPUS``), never from ``conftest``: with a
conftest.py in a subfolder too, ``import conftest`` would not say which one it means.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The test images: copies of the files the tests use, with their sources and licences in
# corpus/MANIFEST.md. Fixtures take ``corpus``; module-level code imports CORPUS from here.
CORPUS = Path(__file__).resolve().parent / "corpus"
# The page templates shipped with the repository.
LAYOUTS = ROOT / "layouts"
