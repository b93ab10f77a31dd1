"""What a staff password must be: long, not the user name, not a common password, new.

The list of common passwords is Django's (django/contrib/auth/common-passwords.txt.gz,
BSD licence: about 20,000 passwords seen most often in breaches), with Vietnamese ones
added here. A password is refused when it is on the list, or when what is left after
taking digits and symbols off its ends is ("password2024!", "matkhau123456"), and when
zxcvbn (Dropbox's estimator: sequences, repeats, keyboard walks, dates, dictionary words
and their l33t spellings) reckons it could be guessed in fewer than 10^8 tries (its
score below 3): "123456789012", "qwertyuiopas", "1qaz2wsx3edc".
"""

from __future__ import annotations

import gzip
import re
from functools import lru_cache
from pathlib import Path

from flask_babel import gettext as _
from werkzeug.security import check_password_hash

MIN_LENGTH = 12
_LIST = Path(__file__).with_name("common-passwords.txt.gz")
_VIETNAMESE = (
    "matkhau",
    "anhyeuem",
    "emyeuanh",
    "yeuem",
    "yeuanh",
    "vietnam",
    "hanoi",
    "saigon",
    "hochiminh",
    "quantri",
    "quantrivien",
    "admin",
    "administrator",
    "khaosat",
    "caicachhanhchinh",
    "motcua",
    "daklak",
    "daklak2025",
    "buonmathuot",
    "phuyen",
    "tuyhoa",
)


class WeakPassword(Exception):
    """The message says what is wrong, in the user's language."""


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    with gzip.open(_LIST, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip().lower() for line in lines if line.strip()) | frozenset(
            _VIETNAMESE
        )


def check(password: str, username: str, current_hash: str | None = None) -> None:
    """Raise WeakPassword saying why `password` may not be used."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(_("at least %(count)s characters", count=MIN_LENGTH))
    lowered = password.lower()
    if username and username.lower() in lowered:
        raise WeakPassword(_("must not contain the user name"))
    core = re.sub(r"^[\W\d_]+|[\W\d_]+$", "", lowered)
    common = common_passwords()
    if lowered in common or (core and core in common) or len(set(lowered)) < 4:
        raise WeakPassword(_("too common or too easy to guess; choose another"))
    if _guessable(password, username):
        raise WeakPassword(
            _("a sequence, a repeat or a keyboard pattern that is easy to guess; choose another")
        )
    if current_hash and check_password_hash(current_hash, password):
        raise WeakPassword(_("must differ from the current password"))


# zxcvbn's score 3: "safely unguessable", about 10^8 guesses or more.
MIN_SCORE = 3


def _guessable(password: str, username: str) -> bool:
    from zxcvbn import zxcvbn  # its dictionaries load on first use

    hints = [username, *_VIETNAMESE] if username else list(_VIETNAMESE)
    # zxcvbn is slow on very long input and gains nothing from it.
    return zxcvbn(password[:100], user_inputs=hints)["score"] < MIN_SCORE
