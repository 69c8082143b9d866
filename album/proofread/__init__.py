"""Caption proofreading: GB/T 15834-2011 (punctuation) and GB/T 15835-2011 (numbers) as they apply
to captions, name consistency across photos, and the album glossary.

Pure functions over strings: no database, no web. ``album.proofreading`` reads and writes the
photos; preflight and the web read the findings.
"""
