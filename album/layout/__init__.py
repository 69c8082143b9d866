"""Layout: an album snapshot and page templates in, a Book of pages and frames out. Pure: no files
of the media store, no database, no PIL, no ReportLab."""
