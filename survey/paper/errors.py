"""What paper operations refuse with."""

from __future__ import annotations


class PaperError(Exception):
    """A refused paper operation; the message says why, in the user's language."""
