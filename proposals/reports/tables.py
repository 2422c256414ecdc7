"""Reading an uploaded .xlsx or .csv file as rows of text, and what is wrong with it, row by row.

Every cell is read as stripped text (numbers without a needless ".0", dates as 2026-03-01), so that
the imports validate one kind of value. Rows are numbered as the spreadsheet shows them: the
header is row 1.
"""

import csv
import io
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from openpyxl import Workbook, load_workbook

from workflow.errors import N_
from workflow.payload import message

from .columns import header_keys, label

MAX_ROWS = 20000
MAX_LINES = 2 * MAX_ROWS  # rows read at most, blank ones included
EXTENSIONS = ("xlsx", "csv")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: where (row and column key, None for the whole file) and what."""

    row: int | None
    column: str | None
    message: tuple[str, dict]


class ImportRefused(Exception):
    """The file was refused and nothing was changed; `problems` says why, row by row."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


@dataclass
class Table:
    columns: dict[int, str]  # position -> column key
    ignored: list[str]  # headers that name no column we know
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # (row number, {key: text})


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


# what an unreadable workbook makes its reader raise: a broken or truncated zip, a missing part, XML that
# is malformed (SyntaxError: ElementTree's ParseError) or declares entities (defusedxml: a ValueError)
UNREADABLE = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    KeyError,
    IndexError,
    TypeError,
    ValueError,
    OSError,
    SyntaxError,
)
# the parts of a workbook unpacked, at most: a few megabytes of upload cannot unpack to gigabytes
MAX_UNPACKED = 256 * 1024 * 1024
CANNOT_READ_XLSX = N_("This file cannot be read as an Excel workbook.")


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    """The first sheet's rows, read as they come (openpyxl's read-only mode): the caller stops at its limit.

    openpyxl parses the workbook's XML with defusedxml when it is installed (a dependency of ours), so an
    entity is never expanded: a workbook declaring one is refused."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > MAX_UNPACKED:
            raise ImportRefused([Problem(None, None, message(N_("The workbook unpacks to too much data.")))])
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except UNREADABLE:
        raise ImportRefused([Problem(None, None, message(CANNOT_READ_XLSX))]) from None
    try:
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # a sheet's declared size is not believed: only the cells it holds are read
        for row in sheet.iter_rows(values_only=True):
            yield [_text(v) for v in row]
    except UNREADABLE:
        raise ImportRefused([Problem(None, None, message(CANNOT_READ_XLSX))]) from None
    finally:
        book.close()


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")  # what Excel in Chinese saves as "CSV"
        except UnicodeDecodeError:
            raise ImportRefused([Problem(None, None, message(N_("Save the CSV file as UTF-8.")))]) from None
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count) if first else ","
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in rows:
            yield [_uninert(_text(v)) for v in row]
    except csv.Error:  # a field beyond csv.field_size_limit (128 KiB), or a quote left open
        text = N_("This row cannot be read: a cell is longer than %(kib)d KiB, or a quote is left open.")
        raise ImportRefused(
            [Problem(rows.line_num, None, message(text, {"kib": csv.field_size_limit() // 1024}))]
        ) from None


# what makes a spreadsheet take a cell's text for a formula (the CSV exports defuse it, the imports undo that)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(text: str) -> str:
    """Text a spreadsheet will not run: one starting like a formula gets a leading apostrophe, which Excel
    hides and our imports take off again (_uninert)."""
    return "'" + text if text[:1] in FORMULA_STARTS else text


def _uninert(text: str) -> str:
    """Take off the apostrophe our CSV export puts before text that starts like a formula."""
    return text[1:] if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@") else text


def read_table(
    filename: str, data: bytes, keys: tuple[str, ...], required: tuple[str, ...], max_rows: int = MAX_ROWS
) -> Table:
    """The file's rows by column key; refused when unreadable, empty, too long or missing a required column.

    The rows are read as they come and the reading stops at the limit, so a file of a million rows costs no
    more than one just over the limit."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in EXTENSIONS:
        raise ImportRefused([Problem(None, None, message(N_("Upload an .xlsx or .csv file.")))])
    raw = _xlsx_rows(data) if extension == "xlsx" else _csv_rows(data)
    too_long = ImportRefused([Problem(None, None, message(N_("At most %(max)d rows at a time."), {"max": max_rows}))])
    table = None
    for number, row in enumerate(raw, start=1):
        if number > 2 * max_rows:  # blank rows too: a sheet can claim a row a billion rows down
            raise too_long
        if not any(row):  # blank rows keep their number
            continue
        if table is None:
            table = _header(number, row, keys, required)
            continue
        if len(table.rows) == max_rows:
            raise too_long
        table.rows.append((number, {key: row[i] if i < len(row) else "" for i, key in table.columns.items()}))
    if table is None:
        raise ImportRefused([Problem(None, None, message(N_("The file is empty.")))])
    return table


def _header(number: int, headers: list[str], keys: tuple[str, ...], required: tuple[str, ...]) -> Table:
    columns = header_keys(headers, keys)
    missing = [key for key in required if key not in columns.values()]
    if missing:
        names = "、".join(f"{label(key)} ({key})" for key in missing)
        raise ImportRefused([Problem(number, None, message(N_("Missing columns: %(names)s."), {"names": names}))])
    return Table(columns, [h for i, h in enumerate(headers) if h and i not in columns])


def template(keys: tuple[str, ...], extension: str) -> bytes:
    """An empty file with the header row of these columns, in the reader's language."""
    headers = [label(key) for key in keys]
    if extension == "csv":
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerow(headers)
        return ("\ufeff" + out.getvalue()).encode("utf-8")
    book = Workbook()
    book.active.append(headers)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


YES = {"1", "y", "yes", "true", "是", "√", "✓", "x"}
NO = {"0", "n", "no", "false", "否", ""}


def flag(text: str) -> bool | None:
    """A yes/no cell as a boolean; None when it is neither."""
    value = text.strip().casefold()
    if value in YES:
        return True
    if value in NO:
        return False
    return None


def names(text: str, *, spaces: bool = True) -> list[str]:
    """A cell listing several names: separated by commas, 、, semicolons, line breaks (or spaces)."""
    for separator in "，、;；\n\t":
        text = text.replace(separator, ",")
    chunks = [chunk.strip() for chunk in text.split(",")]
    return [part for chunk in chunks for part in (chunk.split() if spaces else [chunk]) if part]
