"""huace: the domain core of the photo-album tool. No web framework is imported here."""

__version__ = "0.1.0"
