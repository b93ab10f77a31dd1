"""Reading uploaded CSV files: encoding, header and row numbers, with errors people can act on.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first record row 2.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from flask_babel import gettext as _

MAX_BYTES = 20 * 1024 * 1024
# Problems named in one answer: enough to act on; a file with more is refused whole anyway,
# and a page of ten thousand problems helps nobody (nor does building it).
MAX_PROBLEMS = 200


@dataclass(frozen=True)
class CsvProblem:
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(_("row %(row)s", row=self.row))
        if self.column:
            where.append(_("column %(column)s", column=self.column))
        return f"{', '.join(where)}: {self.message}" if where else str(self.message)


class CsvError(Exception):
    def __init__(self, problems: Sequence[CsvProblem]):
        self.problems = list(problems)[:MAX_PROBLEMS]
        if len(problems) > MAX_PROBLEMS:
            self.problems.append(
                CsvProblem(
                    None,
                    None,
                    _(
                        "and more problems after these %(count)s; correct these and import "
                        "again to see the rest",
                        count=MAX_PROBLEMS,
                    ),
                )
            )
        super().__init__("; ".join(str(p) for p in self.problems))


def read_rows(
    data: bytes,
    *,
    required: Sequence[str],
    optional: Sequence[str] = (),
    max_bytes: int = MAX_BYTES,
    max_rows: int | None = None,
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (row number, {column: stripped text}) or raise CsvError for the whole file.
    `max_bytes`: uploads keep the default; the command line reads larger exports.
    `max_rows`: refuse a file with more records than that, before reading any."""
    if len(data) > max_bytes:
        raise CsvError(
            [
                CsvProblem(
                    None, None, _("the file is larger than %(size)s MB", size=max_bytes // 2**20)
                )
            ]
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise CsvError(
            [
                CsvProblem(
                    line,
                    None,
                    _("the file is not UTF-8 text; save it as “CSV UTF-8” and try again"),
                )
            ]
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise CsvError([CsvProblem(line, None, _("the file holds a NUL character, not text"))])
    reader = csv.DictReader(
        io.StringIO(text, newline=""), delimiter=_delimiter(text, [*required, *optional])
    )
    header = [h.strip() for h in (reader.fieldnames or [])]
    if not header:
        raise CsvError([CsvProblem(None, None, _("the file is empty"))])
    reader.fieldnames = header
    missing = [c for c in required if c not in header]
    unknown = [c for c in header if c not in required and c not in optional]
    duplicated = sorted({c for c in header if header.count(c) > 1})
    problems = [CsvProblem(1, c, _("required column is missing")) for c in missing]
    problems += [CsvProblem(1, c, _("unknown column")) for c in unknown]
    problems += [CsvProblem(1, c, _("column appears twice")) for c in duplicated]
    if problems:
        raise CsvError(problems)
    if max_rows is not None:
        records = sum(1 for line in text.splitlines()[1:] if line.strip())
        if records > max_rows:
            raise CsvError(
                [
                    CsvProblem(
                        None,
                        None,
                        _(
                            "the file has %(count)s rows; at most %(most)s are imported at "
                            "once: split it into several files",
                            count=f"{records:,}".replace(",", "."),
                            most=f"{max_rows:,}".replace(",", "."),
                        ),
                    )
                ]
            )
    try:
        for number, row in enumerate(reader, start=2):
            if None in row:
                raise CsvError([CsvProblem(number, None, _("more values than columns"))])
            yield number, {k: _unescape((v or "").strip()).strip() for k, v in row.items()}
    except csv.Error as error:
        raise CsvError(
            [CsvProblem(reader.line_num, None, _("not valid CSV (%(error)s)", error=str(error)))]
        ) from None


# What separates columns: commas; semicolons where Excel saves "CSV" with Vietnamese (or
# other decimal-comma) settings; tabs from a copied sheet.
DELIMITERS = (",", ";", "\t")


def _delimiter(text: str, expected: Sequence[str]) -> str:
    """The separator that splits the header into the most of the expected columns (a
    comma when none does better)."""
    header = text.split("\n", 1)[0]
    wanted = set(expected)

    def known(delimiter: str) -> int:
        return len({cell.strip().strip('"') for cell in header.split(delimiter)} & wanted)

    return max(DELIMITERS, key=lambda d: (known(d), d == ","))


# A cell that begins with one of these is a formula to Excel and LibreOffice: a comment
# "=HYPERLINK(...)" would become a live link that sends the sheet's data elsewhere.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """Text that a spreadsheet shows as text: a leading apostrophe before formula starts
    (OWASP's advice); numbers and other values pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _unescape(value: str) -> str:
    """The inverse of spreadsheet_safe for files we wrote and people send back."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def write_rows(columns: Sequence[str], rows: Sequence[dict[str, str]]) -> str:
    """CSV text with a byte-order mark, so spreadsheet programs read Vietnamese correctly,
    and no cell a spreadsheet would run as a formula."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({k: spreadsheet_safe(v) for k, v in row.items()} for row in rows)
    return "\ufeff" + buffer.getvalue()
