"""Preflight: what a printing house would reject, checked on the Book and on the written PDF."""
