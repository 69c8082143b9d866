"""Book → PDF: the only package that imports ReportLab."""
