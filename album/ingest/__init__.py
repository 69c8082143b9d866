"""Ingest: files in (one upload, a folder, a zip), checked, described from EXIF and captions sheets, stored."""
