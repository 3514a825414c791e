"""Your own data for the data-fit problem: a lecturer's CSV, read, checked and kept in the browser.

dcc.Upload delivers a file as a data URL ("data:text/csv;base64,...") and its filename.
`read_upload` turns it into an UploadedTable of the file's numeric columns; `table_to_store`
and `table_from_store` carry that table in a dcc.Store, because the server keeps no per-user
state and the data travels with each request; `data_fit_from` builds the engine's DataFit from
the two columns the lecturer chose. Every problem raises UploadError with a message that says
what is wrong and what to do about it.

Decisions a lecturer may notice:
- The delimiter is the one of comma, semicolon, tab or bar that splits the first lines into the
  same number of fields most often (csv's reader, linear in the text: csv.Sniffer's regular
  expressions take quadratic time on a quoted run of spaces). With a semicolon or tab the file
  is also read with decimal commas (1,5), and the reading that finds more numeric columns wins.
- Every reading step is bounded by size: the delimiter is found in the first SNIFF_CHARS, the
  first line may hold at most MAX_FILE_COLUMNS cells in MAX_FIRST_LINE_CHARS, and pandas' C
  parser (linear) reads the rest once or twice.
- A first line made only of numbers is data, not a header: the columns are named "column 1",
  "column 2", ... and a notice says so.
- Columns holding any text (numbers written with thousands separators such as 1,234 included)
  are left out, with a notice naming them.
- Files longer than MAX_ROWS rows, or whose table would not fit in MAX_STORE_BYTES, are cut to a
  random sample of rows that is the same every time the file is uploaded.
- Rows with a missing value in the chosen x or y are left out (the DataFit's description says how
  many); fewer than MIN_ROWS left is an error. A constant y is fine (the best line is flat); a
  constant x is not.
- The chosen columns' numbers must be at most MAX_MAGNITUDE in size, and the largest at least
  MIN_MAGNITUDE unless the column is all zeros: beyond either end the loss's squares overflow
  or vanish (1e-160 squared is below the smallest float). Such a column is refused with a
  message saying how to rescale it; nothing is rescaled silently.

Length: a CSV from a stranger is hostile input; each guard (size, encoding, delimiter
sniffing, numeric columns, magnitudes) is a few lines with its message, and they belong together.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import itertools
import json
import math
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype

from engine.datafit import DataFit

MAX_UPLOAD_BYTES = 2_000_000  # the file itself, before base64
# The request that carries the upload: base64 adds a third, plus room for Dash's envelope.
UPLOAD_REQUEST_BYTES = 4 * math.ceil(MAX_UPLOAD_BYTES / 3) + 64 * 1024
MAX_ROWS = 2_000
MIN_ROWS = 3
MAX_COLUMNS = 50  # numeric columns kept
MAX_NAME_CHARS = 80  # longer column names are cut: they travel in every stored table
MAX_FILE_COLUMNS = 1_000  # columns read at all: a wider file costs the server seconds to parse
# The stored table rides along with every request that needs it (every control change on an
# uploaded problem), so it is kept small: a few pinned runs' worth of JSON.
MAX_STORE_BYTES = 128 * 1024
STORE_HEADROOM = 16 * 1024  # for the filename and notices, which the values leave room for
# Squares of larger numbers in the loss, times a learning rate, overflow within a few steps.
MAX_MAGNITUDE = 1e12
# Squares of smaller ones (x² in the normal equations) underflow toward denormals and zero.
MIN_MAGNITUDE = 1e-12
# x whose spread is this small beside its size leaves the raw normal equations too few digits.
MIN_RELATIVE_SPREAD = 1e-10
SAMPLE_SEED = 0
MAX_HINTS = 5  # text columns examined for numbers in disguise
DELIMITERS = ",;\t|"
SNIFF_CHARS = 64 * 1024  # whole lines of the file's start, where the delimiter is looked for
SNIFF_LINES = 100
# The first line (the header) is read on its own, to count its cells before pandas sees them:
# pandas spends seconds building a frame of 10^5 columns.
MAX_FIRST_LINE_CHARS = 256 * 1024
STORE_VERSION = 1
UPLOAD_NAME = "upload"

_TOKENIZER_PREFIX = re.compile(r"^Error tokenizing data\. C error: ")
_BLANK_NAME = re.compile(r"(Unnamed: \d+(_level_\d+)?)?")  # pandas' name for a blank header
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_WORKBOOK_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")  # .xlsx/.ods (zip), .xls (OLE2)


class UploadError(ValueError):
    """An uploaded file or a column choice that cannot become a data-fit problem."""


@dataclass(frozen=True, eq=False)
class UploadedTable:
    """The numeric columns of an uploaded CSV, after sampling, ready to choose x and y from."""

    columns: tuple[str, ...]
    frame: pd.DataFrame  # float64, one column per name in `columns`, NaN where a cell was empty
    notices: tuple[str, ...]
    filename: str


def read_upload(contents: str, filename: str) -> UploadedTable:
    """The numeric table in a dcc.Upload data URL; UploadError says what is wrong with the file."""
    name = _clean_filename(filename)
    label = repr(name) if name else "the file"
    text = _decode(contents, label)
    delimiter = _detect_delimiter(text)
    first = _first_line(text, delimiter, label)
    if len(first) > MAX_FILE_COLUMNS:
        raise UploadError(
            f"{label} has {len(first):,} columns: at most {MAX_FILE_COLUMNS:,} can be read. "
            "Keep only the columns you need"
        )
    has_header = not (first and all(_looks_numeric(cell, delimiter) for cell in first))
    frame = _parse(text, delimiter, has_header, label)
    notices = []
    if not has_header:
        notices.append(
            "The first line holds only numbers, so it was read as data: the columns are named "
            + ", ".join(repr(column) for column in frame.columns[:3])
            + (", ..." if len(frame.columns) > 3 else "")
            + "."
        )
    if len(frame) < MIN_ROWS:
        raise UploadError(
            f"{label} holds {_rows(len(frame))} of data: "
            f"at least {MIN_ROWS} are needed to fit a line"
        )
    numeric, text_columns, empty = _classify_columns(frame)
    hints = [_text_hint(name, frame[name]) for name in text_columns[:MAX_HINTS]]
    hints = [hint for hint in hints if hint]
    if not numeric:
        raise UploadError(
            f"{label} has no numeric columns: found text columns {_names(text_columns)}"
            + "".join(f". {hint}" for hint in hints)
        )
    if len(numeric) < 2:
        found = f" (the others hold text: {_names(text_columns)})" if text_columns else ""
        raise UploadError(
            f"{label} has only one numeric column, {numeric[0]!r}{found}: "
            "x and y need two" + "".join(f". {hint}" for hint in hints)
        )
    if text_columns:
        notices.append(f"Left out columns holding text: {_names(text_columns)}.")
        notices.extend(hints)
    if empty:
        notices.append(f"Left out empty columns: {_names(empty)}.")
    if len(numeric) > MAX_COLUMNS:
        notices.append(f"Kept the first {MAX_COLUMNS} of {len(numeric)} numeric columns.")
        numeric = numeric[:MAX_COLUMNS]
    frame = frame[numeric].astype(float)
    frame, notice = _sample_rows(frame)
    if notice:
        notices.append(notice)
    return UploadedTable(tuple(numeric), frame, tuple(notices), name)


def data_fit_from(table_or_records, x_column: str, y_column: str) -> DataFit:
    """The data-fit problem y ≈ w·x + b on two columns of an uploaded table.

    table_or_records is an UploadedTable, its store form (table_to_store), or a list of
    records ({column: number}); the store form is decoded for the two columns only, and
    checked, since it comes back from the browser.
    """
    for role, column in (("x", x_column), ("y", y_column)):
        if not isinstance(column, str) or not column:
            raise UploadError(f"choose a column for {role}")
    if x_column == y_column:
        raise UploadError(f"x and y are both {x_column!r}: choose two different columns")
    filename, (x, y) = _chosen_columns(table_or_records, (x_column, y_column))
    missing_x, missing_y = np.isnan(x), np.isnan(y)
    missing = missing_x | missing_y
    for column, data in ((x_column, x), (y_column, y)):
        _check_finite(column, data[~np.isnan(data)])
    notices = []
    if missing.any():
        detail = ", ".join(
            f"{int(count)} in {column!r}"
            for column, count in ((x_column, missing_x.sum()), (y_column, missing_y.sum()))
            if count
        )
        kept, dropped = int((~missing).sum()), int(missing.sum())
        if kept < MIN_ROWS:
            raise UploadError(
                f"only {_rows(kept)} {'has' if kept == 1 else 'have'} both {x_column!r} and "
                f"{y_column!r}: at least {MIN_ROWS} are needed ({_rows(dropped)} "
                f"{'has' if dropped == 1 else 'have'} a missing value: {detail})"
            )
        notices.append(f"Left out {_rows(dropped)} with a missing value ({detail}).")
        x, y = x[~missing], y[~missing]
    if len(x) < MIN_ROWS:
        raise UploadError(f"the data holds {_rows(len(x))}: at least {MIN_ROWS} are needed")
    _check_varies(x_column, x)
    source = f" of {filename}" if filename else ""
    description = f"Fit {y_column} = w·{x_column} + b to {len(x):,} rows{source} by least squares."
    return DataFit(
        x,
        y,
        name=UPLOAD_NAME,
        title=f"Your data: {filename}" if filename else "Your data",
        description=" ".join([description, *notices]),
        x_label=x_column,
        y_label=y_column,
    )


def table_to_store(table: UploadedTable) -> dict:
    """A compact JSON-safe form for a dcc.Store: columns of numbers, None where empty.

    json.dumps(..., allow_nan=False) accepts it: NaN becomes None, ±inf the strings "inf" and
    "-inf"; whole numbers are written without ".0".
    """
    return {
        "version": STORE_VERSION,
        "filename": table.filename,
        "columns": list(table.columns),
        "values": [_encode_column(table.frame[name].to_numpy()) for name in table.columns],
        "notices": list(table.notices),
    }


def table_from_store(data) -> UploadedTable:
    """The UploadedTable back from its store form; UploadError if the form has been tampered with."""
    filename, columns, notices = _store_header(data)
    frame = pd.DataFrame(
        {
            name: _decode_column(column, _DAMAGED)
            for name, column in zip(columns, data["values"], strict=True)
        },
        columns=list(columns),
    )
    return UploadedTable(columns, frame.astype(float), notices, filename)


# Reading the file


def _clean_filename(filename) -> str:
    if not isinstance(filename, str):
        return ""
    base = re.split(r"[\\/]", filename)[-1]
    return "".join(ch for ch in base if ch.isprintable()).strip()[:100]


def _megabytes(size: int) -> str:
    """Size in MB to one decimal, rounded up: a file just over the limit does not read as equal."""
    return f"{math.ceil(size / 1e5) / 10:g} MB"


def _decode(contents, label: str) -> str:
    if not isinstance(contents, str) or not contents.startswith("data:") or "," not in contents:
        raise UploadError(
            f"{label} did not arrive as a data URL (data:...;base64,...): upload it again"
        )
    header, payload = contents.split(",", 1)
    if not header.endswith(";base64"):
        raise UploadError(f"{label} did not arrive base64-encoded: upload it again")
    # The payload's length gives the file's size before anything is decoded.
    size = len(payload) * 3 // 4 - payload[-2:].count("=")
    if size > MAX_UPLOAD_BYTES:
        raise UploadError(
            f"{label} is {_megabytes(size)}: the limit is {_megabytes(MAX_UPLOAD_BYTES)}. "
            "Keep only the columns you need, or a sample of the rows"
        )
    try:
        raw = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as error:
        raise UploadError(f"{label} is not valid base64 ({error}): upload it again") from None
    if raw.startswith(_WORKBOOK_MAGIC):
        raise UploadError(
            f"{label} is a spreadsheet workbook, not CSV: save it as 'CSV UTF-8' and upload that"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UploadError(
            f"{label} is not UTF-8 text (byte {error.start} is not UTF-8): "
            "save it as 'CSV UTF-8' and upload that"
        ) from None
    if "\x00" in text:
        raise UploadError(f"{label} is not a text file: save it as 'CSV UTF-8' and upload that")
    if not text.strip():
        raise UploadError(f"{label} is empty")
    # One line ending (old Macs end lines with CR alone): csv and pandas then see the same lines.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _detect_delimiter(text: str) -> str:
    """The candidate that splits most of the first lines into one same number (> 1) of fields.

    Ties go to the earlier candidate in DELIMITERS (comma first). No candidate: a comma (one
    column, or no consistent delimiter: pandas will say what is wrong).
    """
    sample = text[:SNIFF_CHARS]
    if len(text) > SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]  # whole lines only
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        reader = csv.reader(io.StringIO(sample), delimiter=delimiter, skipinitialspace=True)
        try:
            widths = [len(row) for row in itertools.islice(reader, SNIFF_LINES) if _filled(row)]
        except csv.Error:
            continue
        agreeing = Counter(width for width in widths if width > 1).most_common(1)
        if agreeing:
            width, rows = agreeing[0]
            if (rows, width) > best_score:
                best, best_score = delimiter, (rows, width)
    return best


def _filled(row: list[str]) -> bool:
    """Not a blank line (pandas skips those, whitespace only included)."""
    return any(cell.strip() for cell in row)


def _looks_numeric(cell: str, delimiter: str) -> bool:
    candidates = [cell.strip()]
    if delimiter != ",":
        candidates.append(candidates[0].replace(",", "."))  # a decimal comma
    for candidate in candidates:
        try:
            float(candidate)
            return True
        except ValueError:
            pass
    return False


def _first_line(text: str, delimiter: str, label: str) -> list[str]:
    """The cells of the first line that is not blank (the header, or the first row of data)."""
    prefix = text[:MAX_FIRST_LINE_CHARS]
    source = io.StringIO(prefix)
    reader = csv.reader(source, delimiter=delimiter, skipinitialspace=True)
    try:
        first = next((row for row in reader if _filled(row)), [])
    except csv.Error as error:  # a cell longer than csv's field limit (128 KiB)
        raise UploadError(f"{label} could not be read as CSV: {error}") from None
    if len(text) > len(prefix) and source.tell() == len(prefix) and not prefix.endswith("\n"):
        raise UploadError(
            f"{label} has a first line longer than {MAX_FIRST_LINE_CHARS // 1024} KB: "
            "it should name the columns (or hold the first row of numbers)"
        )
    return first


def _rows(count: int) -> str:
    return f"{count:,} row{'s' * (count != 1)}"


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _names(names: list[str], shown: int = 10) -> str:
    more = f" and {len(names) - shown:,} more" if len(names) > shown else ""
    return ", ".join(map(str, names[:shown])) + more


def _parse(text: str, delimiter: str, has_header: bool, label: str) -> pd.DataFrame:
    best, best_count = None, -1
    # Decimal commas are tried only where a comma is not the delimiter and could be one.
    for decimal in ".," if delimiter != "," and "," in text else ".":
        try:
            frame = pd.read_csv(
                io.StringIO(text),
                sep=delimiter,
                engine="c",  # never the Python engine's fallback: it is neither linear nor quick
                low_memory=False,  # one pass, not chunks: the text is at most MAX_UPLOAD_BYTES
                decimal=decimal,
                header=0 if has_header else None,
                skipinitialspace=True,
            )
        except ValueError as error:  # pandas' ParserError and EmptyDataError among them
            reason = _TOKENIZER_PREFIX.sub("", str(error).strip())
            raise UploadError(f"{label} could not be read as CSV: {_short(reason, 200)}") from None
        count = len(_classify_columns(frame)[0])
        if count > best_count:
            best, best_count = frame, count
    if has_header:
        names = [str(name).strip() for name in best.columns]
        best.columns = _unique(
            [
                f"column {i + 1}" if _BLANK_NAME.fullmatch(name) else _short(name, MAX_NAME_CHARS)
                for i, name in enumerate(names)
            ]
        )
    else:
        best.columns = [f"column {i + 1}" for i in range(best.shape[1])]
    return best


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        count = seen.get(name, 0)
        seen[name] = count + 1
        out.append(name if count == 0 else f"{name} ({count + 1})")
    return out


def _classify_columns(frame: pd.DataFrame) -> tuple[list[str], list[str], list[str]]:
    numeric, text, empty = [], [], []
    # One pass over the whole frame: a column at a time costs seconds for 1,000 columns.
    blank = frame.isna().all().to_numpy()
    for name, dtype, is_blank in zip(frame.columns, frame.dtypes, blank, strict=True):
        if is_blank:
            empty.append(name)
        elif is_numeric_dtype(dtype) and not is_bool_dtype(dtype):
            numeric.append(name)
        else:
            text.append(name)
    return numeric, text, empty


def _text_hint(name: str, column: pd.Series) -> str:
    """Why a column that is mostly numbers was read as text, or "" for a plain text column."""
    cells = column.dropna().astype(str).str.strip()
    numbers = pd.to_numeric(cells, errors="coerce")
    bad = cells[numbers.isna()]
    if bad.empty:
        return (
            f"Column {name!r} writes decimals differently from the other columns: "
            "use one decimal mark"
        )
    if bad.str.fullmatch(_THOUSANDS).all():
        return (
            f"Column {name!r} holds numbers written with thousands separators (such as "
            f"{_short(bad.iloc[0], 20)!r}), which count as text: save the file without them"
        )
    if len(bad) <= len(cells) / 2:
        return (
            f"Column {name!r} holds numbers but also text ({_short(bad.iloc[0], 20)!r}"
            f"{f' and {len(bad) - 1} more' if len(bad) > 1 else ''}), so it counts as text: "
            "leave a missing value as an empty cell"
        )
    return ""


def _sample_rows(frame: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """At most MAX_ROWS rows whose store form fits MAX_STORE_BYTES: a seeded random sample.

    The rows are a prefix of one fixed permutation, kept in file order: the same file always
    gives the same sample, and a smaller sample is part of a larger one.
    """
    total = len(frame)
    order = np.random.default_rng(SAMPLE_SEED).permutation(total)[:MAX_ROWS]
    # What each candidate row adds to the stored JSON: its numbers' text and a separator each.
    columns = [_encode_column(frame[name].to_numpy()[order]) for name in frame.columns]
    row_chars = np.zeros(len(order), dtype=np.int64)
    for column in columns:
        # One json.dumps per column, split at its separators (no number, null or "inf" holds one).
        row_chars += [len(cell) + 2 for cell in json.dumps(column)[1:-1].split(", ")]
    fixed = len(json.dumps({"columns": list(frame.columns), "values": [[] for _ in columns]}))
    fits = int(
        np.searchsorted(fixed + np.cumsum(row_chars), MAX_STORE_BYTES - STORE_HEADROOM, "right")
    )
    keep = max(MIN_ROWS, fits)
    if keep == total:
        return frame.reset_index(drop=True), ""
    why = " (small enough to keep in the page)" if keep < min(total, MAX_ROWS) else ""
    notice = (
        f"Using {keep:,} of {total:,} rows{why}: a random sample, "
        "the same every time this file is uploaded."
    )
    return frame.iloc[np.sort(order[:keep])].reset_index(drop=True), notice


# The store form


def _encode_column(values: np.ndarray) -> list:
    out = []
    for value in values.tolist():
        if value != value:  # NaN
            out.append(None)
        elif math.isinf(value):
            out.append("inf" if value > 0 else "-inf")
        elif value.is_integer() and abs(value) < 2**53:
            out.append(int(value))
        else:
            out.append(value)
    return out


_DAMAGED = "the uploaded table kept in the page is damaged: upload the file again"


def _store_header(data) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """filename, columns and notices of a store form, after checking its shape."""
    if not isinstance(data, dict) or data.get("version") != STORE_VERSION:
        raise UploadError(_DAMAGED)
    filename, columns = data.get("filename"), data.get("columns")
    values, notices = data.get("values"), data.get("notices", [])
    if not (
        isinstance(filename, str)
        and isinstance(columns, list)
        and 2 <= len(columns) <= MAX_COLUMNS
        and all(isinstance(name, str) for name in columns)
        and len(set(columns)) == len(columns)
        and isinstance(values, list)
        and len(values) == len(columns)
        and all(isinstance(column, list) for column in values)
        and len({len(column) for column in values}) == 1
        and MIN_ROWS <= len(values[0]) <= MAX_ROWS
        and isinstance(notices, list)
        and all(isinstance(notice, str) for notice in notices)
    ):
        raise UploadError(_DAMAGED)
    return _clean_filename(filename), tuple(columns), tuple(notices)


def _decode_column(cells: list, error: str) -> np.ndarray:
    """Floats from a stored column: numbers, None for missing, "inf"/"-inf"; else UploadError(error)."""
    special = {None: math.nan, "inf": math.inf, "-inf": -math.inf}
    out = np.empty(len(cells))
    for i, cell in enumerate(cells):
        if isinstance(cell, float) or (isinstance(cell, int) and not isinstance(cell, bool)):
            try:
                out[i] = cell
            except OverflowError:  # an int beyond any float
                raise UploadError(error) from None
        elif (cell is None or isinstance(cell, str)) and cell in special:
            out[i] = special[cell]
        else:
            raise UploadError(error)
    return out


def _chosen_columns(source, names: tuple[str, str]) -> tuple[str, list[np.ndarray]]:
    """The filename and the float values of the named columns, from any form of the table."""
    if isinstance(source, UploadedTable):
        filename, columns = source.filename, source.columns
    elif isinstance(source, dict):
        filename, columns, _ = _store_header(source)
    elif isinstance(source, list) and source and all(isinstance(row, dict) for row in source):
        if len(source) > MAX_ROWS:
            raise UploadError(
                f"the data holds {len(source):,} rows: at most {MAX_ROWS:,} are allowed"
            )
        filename, columns = "", tuple(dict.fromkeys(key for row in source for key in row))
    else:
        raise UploadError("expected an uploaded table, its stored form, or a list of records")
    for name in names:
        if name not in columns:
            raise UploadError(
                f"there is no numeric column {name!r}: the numeric columns are {', '.join(columns)}"
            )
    if isinstance(source, UploadedTable):
        return filename, [source.frame[name].to_numpy(dtype=float) for name in names]
    if isinstance(source, dict):
        cells = dict(zip(columns, source["values"], strict=True))
        return filename, [_decode_column(cells[name], _DAMAGED) for name in names]
    return filename, [
        _decode_column(
            [row.get(name) for row in source], f"column {name!r} holds values that are not numbers"
        )
        for name in names
    ]


# Checks on the chosen columns


def _check_finite(column: str, values: np.ndarray) -> None:
    infinite = int(np.isinf(values).sum())
    if infinite:
        raise UploadError(
            f"column {column!r} holds an infinite value (inf, or a number beyond ±1.8e308) in "
            f"{_rows(infinite)}: replace {'them' if infinite > 1 else 'it'} "
            "with finite numbers"
        )
    largest = float(np.max(np.abs(values), initial=0.0))
    if largest > MAX_MAGNITUDE:
        raise UploadError(
            f"column {column!r} holds numbers as large as {largest:.3g} in size: numbers this "
            f"large overflow the loss (the limit is {MAX_MAGNITUDE:.0e}). Rescale the column, "
            "for example into thousands or millions"
        )
    if 0 < largest < MIN_MAGNITUDE:
        raise UploadError(
            f"column {column!r} holds only tiny numbers (the largest is {largest:.3g} in size): "
            f"their squares vanish in the loss (the largest must be at least {MIN_MAGNITUDE:.0e}, "
            "or every value 0). Rescale the column, "
            "for example into millionths or billionths"
        )


def _check_varies(column: str, x: np.ndarray) -> None:
    low, high = float(np.min(x)), float(np.max(x))
    if low == high:
        raise UploadError(
            f"column {column!r} is constant (every value is {low:g}): a line cannot be fitted "
            "against it, nor can it be scaled"
        )
    unit = x / max(abs(low), abs(high))  # in units of its largest size: no square underflows
    if np.var(unit) < MIN_RELATIVE_SPREAD * np.mean(unit * unit):
        raise UploadError(
            f"column {column!r} barely varies for its size (from {low:.12g} to {high:.12g}): "
            "subtract a constant such as its smallest value before uploading"
        )
