"""The one grammar of the codes people type and files carry: agencies, service points,
fields, services, campaigns, user names. Letters, digits and . _ - ; paper serials embed
an agency's code, so they read the same grammar (an agency coded UBND-BMT prints forms
whose serials can be keyed)."""

from __future__ import annotations

CODE_CHARACTERS = "A-Za-z0-9._-"
# \Z, not $: "SXD\n" would pass a $ (it matches before a final newline).
CODE_PATTERN = rf"^[{CODE_CHARACTERS}]+\Z"
