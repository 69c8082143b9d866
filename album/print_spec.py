"""The printing house's rules, shared by the layout, the writer and the checker so that they agree.

Values follow ``design.md`` (print-production rules) and ISO 15930-7 for PDF/X-4.
"""

from __future__ import annotations

PDFX_VERSION = "PDF/X-4"
PDF_HEADER_VERSION = "1.6"  # PDF/X-4 allows at most 1.6

BLEED_MM = 3.0  # on every side of the trim
SAFE_MM = 6.0  # text stays this far inside the trim
GUTTER_ZONE_MM = 10.0  # either side of the fold of a spread: lost in the binding

PRINT_PPI = 300  # photos are resampled to this at their placed size for print...
PROOF_PPI = 150  # ...and to this for the light proof (校样)
PPI_WARNING = 200.0  # effective resolution below this is a preflight warning
PPI_ERROR = 150.0  # and below this an error
