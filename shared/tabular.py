"""Spreadsheet files in and out, one implementation for every service (no framework imports).

Out: `csv_chunks` and `xlsx_bytes` write every export. A text cell that a spreadsheet would
evaluate (it starts with `=`, `+`, `-`, `@`, tab or CR, also after leading blanks, or with their
full-width forms) is neutralised: in CSV it gets a leading `'` (OWASP's CSV-injection advice) and
every text field is quoted; in XLSX it is written as a text cell (inline string, `quotePrefix`),
so Excel and LibreOffice show it and never run it. Real numbers stay numbers.

In: `read_table` yields the rows of a CSV or TSV (UTF-8 with or without BOM, UTF-16, or GBK/GB18030;
the delimiter sniffed) or an
XLSX file within `ImportLimits` (bytes, uncompressed bytes, rows, columns); `read_records`
maps the header (English names or their aliases) and gives each non-blank data row as
(spreadsheet row number, {column: text}), every cell as text without NUL characters. XLSX is refused when
any XML part declares a DTD or entities (checked with defusedxml before openpyxl reads it, and
openpyxl itself parses through defusedxml, which must be installed). `check_upload` runs the
cheap checks at upload time so a web request can answer 413/422 before a job is queued.
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

XLSX_MAGIC = b"PK\x03\x04"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
# A cell starting with one of these is a formula (or starts one) in Excel, LibreOffice or
# Google Sheets; the full-width forms are converted by some CJK input setups.
FORMULA_STARTS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
CONTROL_STARTS = frozenset("\t\r")
MAX_XLSX_PARTS = 10_000


class TableError(ValueError):
    """The file as a whole cannot be read (format, encoding, structure, refused content)."""

    def __init__(self, message: str, *, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.details = details or {}


class TableTooLarge(TableError):
    """The file is past one of the caps (answer: 413 payload_too_large)."""

    code = "payload_too_large"


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


@dataclass(frozen=True)
class ImportLimits:
    """Caps on one import file. Defaults: 200,000 data rows, 50 MiB uploaded, 256 MiB once
    unzipped (XLSX), 100 columns read. Environment: CRM_IMPORT_MAX_ROWS, CRM_IMPORT_MAX_BYTES,
    CRM_IMPORT_MAX_UNZIPPED_BYTES, CRM_IMPORT_MAX_COLUMNS."""

    max_rows: int = 200_000
    max_bytes: int = 50 * 1024 * 1024
    max_unzipped_bytes: int = 256 * 1024 * 1024
    max_columns: int = 100

    @classmethod
    def from_env(cls) -> ImportLimits:
        d = cls()
        return cls(max_rows=_env_int("CRM_IMPORT_MAX_ROWS", d.max_rows),
                   max_bytes=_env_int("CRM_IMPORT_MAX_BYTES", d.max_bytes),
                   max_unzipped_bytes=_env_int("CRM_IMPORT_MAX_UNZIPPED_BYTES", d.max_unzipped_bytes),
                   max_columns=_env_int("CRM_IMPORT_MAX_COLUMNS", d.max_columns))

    def too_many_rows(self) -> TableTooLarge:
        return TableTooLarge(f"the file has more than {self.max_rows} data rows",
                             details={"max_rows": self.max_rows})

    def too_many_bytes(self) -> TableTooLarge:
        return TableTooLarge(f"the file is larger than {self.max_bytes} bytes",
                             details={"max_bytes": self.max_bytes})


# ---- writing ---------------------------------------------------------------------------

def is_formula_like(text: str) -> bool:
    """True when a spreadsheet could take the text for a formula (or a DDE call)."""
    return text[:1] in CONTROL_STARTS or text.lstrip()[:1] in FORMULA_STARTS


def neutralise(text: str) -> str:
    """The text as a CSV cell that no spreadsheet evaluates: a leading `'` when needed."""
    return "'" + text if is_formula_like(text) else text


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal)


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if _is_number(value):
        return value  # bool included (an int): csv writes True/False unquoted
    return neutralise(value if isinstance(value, str) else str(value))


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[Any]], *, bom: bool = True,
               rows_per_chunk: int = 1000) -> Iterator[str]:
    """CSV text in chunks (for a streamed answer): text quoted and neutralised, numbers bare;
    with a BOM so Excel reads UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
    if bom:
        buffer.write("\ufeff")
    writer.writerow([_csv_value(h) for h in header])
    for n, row in enumerate(rows, start=1):
        writer.writerow([_csv_value(v) for v in row])
        if n % rows_per_chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def xlsx_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]], *, sheet: str = "Sheet1") -> bytes:
    """An XLSX workbook of one sheet: strings are text cells whatever they start with."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet[:31])

    def cell(value: Any) -> Any:
        if value is None or _is_number(value):
            return value
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.isoformat()  # Excel has no time zones: keep the offset as text
        if isinstance(value, date):
            return value
        text = ILLEGAL_CHARACTERS_RE.sub("", value if isinstance(value, str) else str(value))
        if not is_formula_like(text):
            return text
        c = WriteOnlyCell(ws, value=text)
        c.data_type = "s"  # the value setter took it for a formula: store it as a string
        c.quotePrefix = True  # and keep it text when someone edits the cell
        return c

    ws.append([cell(h) for h in header])
    for row in rows:
        ws.append([cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---- reading ---------------------------------------------------------------------------

def is_xlsx(data: bytes, filename: str = "") -> bool:
    return data.startswith(XLSX_MAGIC) or filename.lower().endswith(".xlsx")


def detect_encoding(data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-16 with a BOM (Excel's "Unicode text") or without one (NUL bytes
    in every other position), UTF-8 with or without BOM, else GB18030 (a superset of the GBK
    Chinese Excel writes)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise TableError("the file starts like UTF-16 text but is not") from exc
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        name = "utf-8-sig"
    else:
        name = "utf-8"
    sample = data[:4000]
    odd, even = sample[1::2].count(0), sample[0::2].count(0)
    # UTF-16 without a BOM: every ASCII character (delimiters, line ends, digits) has a NUL
    # byte, all on one side; a stray NUL in UTF-8 or GBK text is rare and on either side
    if max(odd, even) >= max(2, len(sample) // 20) and min(odd, even) * 10 <= max(odd, even):
        codec = "utf-16-le" if odd > even else "utf-16-be"
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), name
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise TableError("the file is neither UTF-8, UTF-16 nor GBK text") from exc


def decode_text(data: bytes) -> str:
    """The file's text (detect_encoding)."""
    return detect_encoding(data)[0]


DELIMITERS = (",", "\t", ";", "|")


def sniff_delimiter(text: str) -> str:
    """The delimiter of a CSV/TSV text, from its first lines: the candidate (comma, tab,
    semicolon, bar) that splits the header into the most columns and the following lines
    into as many; a comma when nothing splits."""
    lines = [line for line in text[:64 * 1024].splitlines()[:20] if line.strip()]
    if not lines:
        return ","
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        try:
            rows = list(csv.reader(lines, delimiter=delimiter))
        except csv.Error:
            continue
        width = len(rows[0])
        if width < 2:
            continue
        agree = sum(1 for r in rows[1:] if len(r) == width)
        score = (agree, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _csv_rows(data: bytes, limits: ImportLimits, info: dict[str, Any] | None = None) -> Iterator[list[str]]:
    text, encoding = detect_encoding(data)
    delimiter = sniff_delimiter(text)
    if info is not None:
        info.update(encoding=encoding, delimiter=delimiter)
    last = limits.max_rows + 1  # the header is row 1
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        for number, record in enumerate(reader, start=1):
            if number > last:
                raise limits.too_many_rows()
            yield record[: limits.max_columns]
    except csv.Error as exc:
        raise TableError(f"not a readable CSV file: {exc}") from exc


def _refuse_dtd(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Parse an XML part up to its root element with defusedxml, refusing any DTD."""
    from xml.sax.handler import ContentHandler

    from defusedxml import DefusedXmlException
    from defusedxml.expatreader import create_parser

    class _Root(Exception):
        pass

    class _StopAtRoot(ContentHandler):
        def startElement(self, name, attrs):  # noqa: N802 - SAX's name
            raise _Root()

        startElementNS = startElement  # noqa: N815

    parser = create_parser(forbid_dtd=True, forbid_entities=True, forbid_external=True)
    parser.setContentHandler(_StopAtRoot())
    try:
        with zf.open(info) as part:
            while chunk := part.read(64 * 1024):
                parser.feed(chunk)
        parser.close()
    except _Root:
        return
    except DefusedXmlException as exc:
        raise TableError(f"the XLSX part {info.filename} declares a DTD or entities (refused)",
                         details={"part": info.filename}) from exc
    except Exception as exc:  # broken XML, a damaged or encrypted part
        raise TableError(f"the XLSX part {info.filename} is not readable XML") from exc


def check_xlsx(data: bytes, limits: ImportLimits) -> None:
    """The XLSX container: a readable zip, within the unzipped cap (zip bomb), and no XML part
    that declares a DTD or entities (XML bomb, external entities)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise TableError("not a readable XLSX file: not a zip archive") from exc
    with zf:
        parts = zf.infolist()
        if len(parts) > MAX_XLSX_PARTS:
            raise TableError(f"not a readable XLSX file: more than {MAX_XLSX_PARTS} parts")
        # zipfile stops every part at its declared size (and fails the CRC past it), so the
        # declared sizes are what reading can ever produce.
        unzipped = sum(p.file_size for p in parts)
        if unzipped > limits.max_unzipped_bytes:
            raise TableTooLarge(f"the XLSX file unzips to more than {limits.max_unzipped_bytes} bytes",
                                details={"max_unzipped_bytes": limits.max_unzipped_bytes})
        for part in parts:
            if part.filename.lower().endswith((".xml", ".rels", ".vml")):
                _refuse_dtd(zf, part)


def _xlsx_rows(data: bytes, limits: ImportLimits) -> Iterator[list[Any]]:
    check_xlsx(data, limits)
    import openpyxl
    from openpyxl import load_workbook

    if not openpyxl.DEFUSEDXML:  # pinned in requirements.txt; OPENPYXL_DEFUSEDXML must not be False
        raise RuntimeError("openpyxl must parse through defusedxml: install it, do not disable it")
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # any unreadable workbook is the client's file
        raise TableError(f"not a readable XLSX file: {type(exc).__name__}") from exc
    try:
        if not book.worksheets:
            raise TableError("the XLSX file has no worksheet")
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # the declared size may lie: read what is there
        rows = sheet.iter_rows(max_col=limits.max_columns, values_only=True)
        last = limits.max_rows + 1
        number = 0
        while True:
            try:
                values = next(rows, None)
            except Exception as exc:  # defusedxml's refusal, broken XML, bad values
                raise TableError(f"not a readable XLSX file: {type(exc).__name__}") from exc
            if values is None:
                return
            number += 1
            if number > last:
                raise limits.too_many_rows()
            cells = list(values)
            while cells and cells[-1] is None:
                cells.pop()
            yield cells
    finally:
        book.close()


def read_table(data: bytes, filename: str = "", limits: ImportLimits | None = None,
               info: dict[str, Any] | None = None) -> Iterator[list[Any]]:
    """Every row, header first (blank rows included, so positions are the spreadsheet's
    row numbers). CSV cells are strings; XLSX cells are what openpyxl reads (str, int,
    float, datetime, None). Raises TableError, or TableTooLarge past a cap. `info`, when
    given, receives the encoding and the delimiter found once the first row is read
    (XLSX: encoding "xlsx", no delimiter)."""
    limits = limits or ImportLimits.from_env()
    if len(data) > limits.max_bytes:
        raise limits.too_many_bytes()
    if is_xlsx(data, filename):
        if info is not None:
            info.update(encoding="xlsx", delimiter=None)
        return _xlsx_rows(data, limits)
    return _csv_rows(data, limits, info)


def check_upload(data: bytes, filename: str, limits: ImportLimits) -> None:
    """What can be checked cheaply before an import is queued: size, the XLSX container
    (zip bomb, DTD/entities), and for CSV the number of rows. Everything else (and an XLSX
    file's row count) is found when the file is read."""
    if len(data) > limits.max_bytes:
        raise limits.too_many_bytes()
    if is_xlsx(data, filename):
        check_xlsx(data, limits)
        return
    if data.count(b"\n") <= limits.max_rows:  # newline is 0x0A in UTF-8 and GB18030 alone
        return
    try:
        for _ in _csv_rows(data, limits):
            pass
    except TableTooLarge:
        raise
    except TableError:
        return  # not readable: the job reports it with the file's other problems


# ---- records: header names and text cells --------------------------------------------

def cell_text(value: Any) -> str:
    """A cell as text: "" for empty, whole floats without ".0" (XLSX numbers), NUL
    characters dropped (PostgreSQL cannot store them in text; the bad-input rule of
    every import), surrounding blanks stripped."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):  # an Excel date cell: the date, with the time when it has one
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ", "minutes")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).replace("\x00", "").strip()


def header_map(header: Sequence[str], columns: Sequence[str], aliases: dict[str, str]) -> dict[str, int]:
    """Column name -> index: the English names in any case, or their aliases (Chinese
    headers); the first column of a name wins, unknown columns are ignored."""
    mapping: dict[str, int] = {}
    for index, title in enumerate(header):
        title = title.lstrip("\ufeff").strip()
        key = aliases.get(title, title.lower())
        if key in columns and key not in mapping:
            mapping[key] = index
    return mapping


def read_records(data: bytes, filename: str, limits: ImportLimits | None, *, columns: Sequence[str],
                 aliases: dict[str, str], required: Sequence[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, {column: text}) for each data row that is not blank; row numbers are
    the spreadsheet's (the header is row 1). TableError when the file is empty or the
    header lacks a required column; the caps of read_table apply."""
    rows = ([cell_text(v) for v in raw] for raw in read_table(data, filename, limits))
    header = next(rows, None)
    if header is None:
        raise TableError("the file is empty")
    mapping = header_map(header, columns, aliases)
    missing = [c for c in required if c not in mapping]
    if missing:
        raise TableError(f"the header row lacks: {', '.join(missing)}")
    for number, raw in enumerate(rows, start=2):
        if not any(raw):
            continue
        yield number, {col: (raw[i] if i < len(raw) else "") for col, i in mapping.items()}
