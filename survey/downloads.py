"""The Content-Disposition of every file the app sends: built from codes, never from what
a request says, and cleaned so that no header can be bent (CR/LF, quotes, `filename*`)."""

from __future__ import annotations

import re

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def attachment(filename: str) -> dict[str, str]:
    """Headers that make the browser save `filename` (letters, digits, . _ - only)."""
    safe = _UNSAFE.sub("-", filename).strip(".-") or "download"
    return {"Content-Disposition": f'attachment; filename="{safe}"'}
