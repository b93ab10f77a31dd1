"""What the platform does so that answers stay anonymous (README.md, "Privacy"):
personal data masked in comments wherever they leave, and survey visitors kept out of log
lines. (The invitations' phone numbers and dossier codes are erased when a campaign
closes: survey/campaigns/erasure.py.)
"""

from __future__ import annotations

import logging
import re
import unicodedata

# --- Comments --------------------------------------------------------------------------
# People write their phone number, e-mail or name into comments despite the note asking
# them not to, in every spelling there is. The masks err on the side of hiding: a date
# with a time or a street named after a person may be masked too, never the reverse.

# Between digits: spaces, dots, dashes of every length, slashes, commas, bars, stars.
_SEPARATOR = r"[ \t.\-/·_,|*—–]{0,3}"
# A run of digits and separators long enough to be a phone or identity number, with an
# optional country code written any way people write it: +84, (+84), 0084, (84), 84.
_NUMBER_RUN = re.compile(
    rf"(?:(?:(?:\(\s*)?(?:\+|00)\s*84(?:\s*\))?|\(\s*84\s*\)){_SEPARATOR})?"
    # An opening bracket only around an area code, "(0262) 3.852.123": not the one a
    # number is written in, "(0912 345 678)".
    rf"(?:\(\d{{1,5}}\)|\d)(?:\)?{_SEPARATOR}\(?\d){{7,}}"
)
_DOMAIN_PART = r"(?:\s*(?:\.|[(\[{<]\s*(?:dot|chấm|\.)\s*[)\]}>]|\s(?:dot|chấm)\s)\s*[\w\-]+)"
_EMAIL = re.compile(
    # With an @ or a bracketed "at": the domain may be cut short ("x@gmail").
    rf"[\w.+\-]+\s*(?:@|[(\[{{<]\s*(?:at|a còng|@|a)\s*[)\]}}>])\s*[\w\-]+{_DOMAIN_PART}*"
    # With the word "at" alone: only with a domain after it ("x at gmail dot com"), so
    # "Ms Lan at counter 3" stays.
    rf"|[\w.+\-]+\s(?:at|a còng|acong|a móc)\s[\w\-]+{_DOMAIN_PART}+",
    re.IGNORECASE,
)
# "gmail.com", "yahoo com.vn"... left after an address written across words.
_MAIL_DOMAIN = re.compile(
    r"\b(?:gmail|yahoo|hotmail|outlook|icloud|gmai)\s*(?:\.|\s(?:dot|chấm)\s)\s*"
    r"(?:com|vn)(?:\s*\.\s*vn)?\b",
    re.IGNORECASE,
)
_UPPER = "".join(
    c for c in map(chr, range(0x41, 0x1EFF + 1)) if c.isupper() and unicodedata.category(c) == "Lu"
)
_NAME_WORD = rf"[{_UPPER}][^\W\d_]*(?:'[^\W\d_]+)?"
_NAME = rf"{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,3}}"
# How a person is named in Vietnamese: after a form of address, or by a family name.
_ADDRESSED = re.compile(
    r"(?<![^\W\d_])(?i:tên (?:tôi |em |cháu |mình )?là|tôi là|em là|tên|"
    r"anh|chị|ông|bà|cô|chú|em|bác|cháu|cậu|dì|thím|mợ|bạn|thầy|cán bộ|công chức|"
    r"chuyên viên|đồng chí|đ/c|a\.|c\.|ô\.|b\.|"
    r"mr\.?|mrs\.?|ms\.?|miss|dr\.?|my name is|i am|named|officer)"
    rf"\s+({_NAME})"
)
_SURNAMES = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Đinh",
    "Trương",
    "Đào",
    "Lâm",
    "Lương",
    "Trịnh",
    "Châu",
    "Quách",
    "Kiều",
    "Triệu",
    "Lưu",
    "Đoàn",
    "Vương",
    "Tăng",
    "Phùng",
    "Hứa",
    "Thân",
    "La",
    "Tạ",
    "Mạc",
    "Ninh",
    "Khổng",
    "Văn",
    "Lại",
    "Nông",
    "Hà",
    "Mai",
    "Cao",
    "Tô",
    "Thái",
    "Âu",
    "Diệp",
    "Giang",
    "Kim",
    "Lục",
    "Quan",
    "Tiêu",
    "Chu",
    "Tống",
    "Khúc",
    "Doãn",
    "Lò",
    # Ê Đê, Jarai and M'nông family names (Đắk Lắk, Phú Yên).
    "Ksor",
    "Niê",
    "Êban",
    "Mlô",
    "Siu",
    "Kpă",
    "Byă",
    "Hwing",
    "Adrơng",
    "Ayŭn",
    "Bkrông",
    "Knul",
    # Without their marks, as people type in English or without a Vietnamese keyboard.
    "Nguyen",
    "Tran",
    "Pham",
    "Hoang",
    "Huynh",
    "Phan",
    "Dang",
    "Bui",
    "Ngo",
    "Duong",
    "Dinh",
    "Truong",
]
_BY_FAMILY_NAME = re.compile(rf"(?<![^\W\d_])(?:{'|'.join(_SURNAMES)})(?:\s+{_NAME_WORD}){{1,3}}")
# In capitals: NGUYỄN THỊ HOA.
_UPPER_WORD = rf"[{_UPPER}]{{2,}}"
_IN_CAPITALS = re.compile(
    rf"(?<![^\W\d_])(?:{'|'.join(n.upper() for n in _SURNAMES)})(?:\s+[{_UPPER}]+){{1,3}}"
    r"(?![^\W\d_])"
)
# In lower case: only in the commonest shape, family name + middle name + given name
# ("nguyễn thị hoa"), so that "mai tôi quay lại" or "cao quá" stay as written.
_MIDDLE_NAMES = (
    "văn", "thị", "hữu", "đức", "công", "quang", "minh", "ngọc", "thanh", "xuân", "hoàng",
    "kim", "thu", "như", "duy", "mạnh", "tấn", "bá", "đình", "trọng", "quốc", "thế", "viết",
    "anh", "hồng", "thùy", "mỹ", "phương", "khánh", "huy", "tuấn", "gia", "bảo",
)  # fmt: skip
_IN_LOWER_CASE = re.compile(
    rf"(?<![^\W\d_])(?:{'|'.join(n.lower() for n in _SURNAMES)})\s+"
    rf"(?:{'|'.join(_MIDDLE_NAMES)})\s+[^\W\d_]+(?![^\W\d_])"
)
# Ê Đê given names: Y (men) and H' (women) before the name: Y Ngông, H'Hen Niê.
_EDE = re.compile(rf"(?<![^\W\d_])(?:Y\s+|H'\s?){_NAME_WORD}(?:\s+{_NAME_WORD}){{0,2}}")
# A street, ward or school named after a person is a place.
_PLACE_BEFORE = re.compile(
    r"(?i:đường|phố|phường|xã|quận|huyện|trường|đại lộ|street|road|st\.)\s+$"
)
# Digits written as words, nine or more in a row: a phone or identity number.
_DIGIT_WORD = (
    r"(?:không|một|mốt|hai|ba|bốn|tư|năm|lăm|sáu|bảy|bẩy|tám|chín|"
    r"zero|oh|one|two|three|four|five|six|seven|eight|nine)"
)
_NUMBER_IN_WORDS = re.compile(
    rf"(?<![^\W\d_])(?i:{_DIGIT_WORD}(?:[\s,.\-]+{_DIGIT_WORD}){{8,}})(?![^\W\d_])"
)
# A code mixing letters and many digits (a dossier number, H56.26-000123): it names the
# applicant to anyone with the one-stop shop's records.
_CODE_WITH_DIGITS = re.compile(r"(?<![\w@])[A-Za-z]{1,5}\d[\w.\-/]*\d(?![\w@])")
# Places that begin with a family name: not people.
_PLACES = {
    "Hà Nội",
    "Hà Giang",
    "Hà Tĩnh",
    "Hà Nam",
    "Hồ Chí Minh",
    "Thành phố Hồ Chí Minh",
    "Cao Bằng",
    "Lâm Đồng",
    "Thái Bình",
    "Thái Nguyên",
    "Phan Thiết",
    "Phan Rang",
    "Kim Bôi",
    "Mai Châu",
    "Giang Nam",
    "Tô Hiệu",
}
PHONE_MASK, EMAIL_MASK, NAME_MASK, NUMBER_MASK = "[số điện thoại]", "[e-mail]", "[tên]", "[số]"


def mask_personal_data(text: str) -> str:
    """Replace e-mail addresses, phone and identity numbers and people's names.

    NFKC first: full-width letters and digits (０９１２, ＠) and non-breaking spaces read
    as the plain ones they stand for."""
    text = unicodedata.normalize("NFKC", text)
    text = _EMAIL.sub(EMAIL_MASK, text)
    text = _MAIL_DOMAIN.sub(EMAIL_MASK, text)
    text = _CODE_WITH_DIGITS.sub(_code_mask, text)
    text = _NUMBER_RUN.sub(_number_mask, text)
    text = _NUMBER_IN_WORDS.sub(_words_mask, text)
    text = _ADDRESSED.sub(_name_mask, text)
    for pattern in (_BY_FAMILY_NAME, _EDE, _IN_CAPITALS, _IN_LOWER_CASE):
        text = pattern.sub(_person_mask, text)
    return text


def _person_mask(match: re.Match) -> str:
    if _is_place(match[0]) or _PLACE_BEFORE.search(match.string[: match.start()]):
        return match[0]
    return NAME_MASK


def _code_mask(match: re.Match) -> str:
    return NUMBER_MASK if sum(c.isdigit() for c in match[0]) >= 6 else match[0]


def _words_mask(match: re.Match) -> str:
    words = re.findall(_DIGIT_WORD, match[0], flags=re.IGNORECASE)
    zero = words[0].lower() in ("không", "zero", "oh")
    return PHONE_MASK if zero and len(words) in (10, 11) else NUMBER_MASK


def _number_mask(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match[0])
    if len(digits) < 9:
        return match[0]
    # Vietnamese numbers: 0 and 9 digits (mobile) or 10 (landline), or the same without
    # the 0 after the country code 84. Twelve digits from 0 is an identity card number.
    if digits.startswith("0084"):
        phone = 9 <= len(digits) - 4 <= 10
    elif digits.startswith("84"):
        phone = len(digits) in (11, 12)
    else:
        phone = digits.startswith("0") and not digits.startswith("00") and len(digits) in (10, 11)
    return PHONE_MASK if phone else NUMBER_MASK


def _name_mask(match: re.Match) -> str:
    name = match[1]
    if _is_place(name):
        return match[0]
    return match[0][: match.start(1) - match.start(0)] + NAME_MASK


def _is_place(words: str) -> bool:
    return any(words.startswith(place) for place in _PLACES)


# --- Invitations -----------------------------------------------------------------------


# --- Logs ------------------------------------------------------------------------------

# The citizen's ways in: a single-use token in the path, and a service point whose
# log line, with its time and address, would sit beside a stored answer.
_SURVEY_PATH = re.compile(r"/(s|p)/[^\s?\"']+")
# IPv4 (also IPv4-mapped IPv6), and IPv6 written in full (seven colons) or shortened
# with "::" (a time such as 10:37:12 is neither).
_ADDRESS = re.compile(
    r"(?<![\w.:])(?:(?:[0-9a-fA-F]{0,4}:)*\d{1,3}(?:\.\d{1,3}){3}"
    r"|(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}"
    r"|[0-9a-fA-F]{0,4}(?::[0-9a-fA-F]{1,4})*::(?:[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{1,4})*)?)"
    r"(?![\w.:])"
)


# The response's size after its status (werkzeug's and gunicorn's access lines): a
# survey page's size names its point, agency and service (their names are on it).
_SIZE = re.compile(r'(" [1-5]\d\d) \d+\b')


class SurveyVisitorsOutOfLogs(logging.Filter):
    """Rewrites log lines about the survey: tokens and point codes become "…", and the
    client's address and the response's size are dropped, so access logs cannot be
    joined with answers."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        if not _SURVEY_PATH.search(message):
            return True
        message = _SURVEY_PATH.sub(lambda m: f"/{m[1]}/…", message)
        message = _SIZE.sub(r"\1 -", message)
        record.msg, record.args = _ADDRESS.sub("-", message), ()
        return True


LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error", "survey")


def keep_survey_visitors_out_of_logs(app_logger: logging.Logger) -> None:
    survey_filter = SurveyVisitorsOutOfLogs()
    for logger in [app_logger, *map(logging.getLogger, LOGGERS)]:
        if not any(isinstance(f, SurveyVisitorsOutOfLogs) for f in logger.filters):
            logger.addFilter(survey_filter)


# --- Command line ----------------------------------------------------------------------
