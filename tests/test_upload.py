"""Your own data: reading an uploaded CSV, its checks and messages, the Store form, the DataFit."""

from __future__ import annotations

import base64
import csv
import json
import math
import re
import time

import numpy as np
import pandas as pd
import pytest

from app.panels import upload_outputs
from app.upload import (
    MAX_COLUMNS,
    MAX_FILE_COLUMNS,
    MAX_FIRST_LINE_CHARS,
    MAX_MAGNITUDE,
    MAX_ROWS,
    MAX_STORE_BYTES,
    MAX_UPLOAD_BYTES,
    MIN_MAGNITUDE,
    MIN_ROWS,
    SNIFF_CHARS,
    UPLOAD_REQUEST_BYTES,
    UploadedTable,
    UploadError,
    data_fit_from,
    read_upload,
    table_from_store,
    table_to_store,
)
from app.viewmodel import compute_views
from engine.limits import NORMALIZATIONS

HOUSES = "area,price,street\n40,3.1,Oak\n75,4.6,Elm\n110,6.4,Ash\n150,8.7,Oak\n200,11.2,Elm\n"


def data_url(text: str | bytes, mime: str = "text/csv") -> str:
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return f"data:{mime};base64," + base64.b64encode(raw).decode("ascii")


def read(text: str | bytes, filename: str = "data.csv") -> UploadedTable:
    return read_upload(data_url(text), filename)


def fails(text: str | bytes, match: str, filename: str = "data.csv") -> str:
    with pytest.raises(UploadError, match=match) as caught:
        read(text, filename)
    return str(caught.value)


# Reading a good file


def test_reads_numeric_columns_and_names_the_text_ones():
    table = read(HOUSES, "houses.csv")
    assert table.columns == ("area", "price")
    assert table.filename == "houses.csv"
    assert list(table.frame.columns) == ["area", "price"]
    assert (table.frame.dtypes == "float64").all()
    assert table.frame["price"].tolist() == [3.1, 4.6, 6.4, 8.7, 11.2]
    assert table.notices == ("Left out columns holding text: street.",)


def test_semicolons_with_decimal_commas():
    table = read("area;price\n40,5;3,1\n75;4,6\n110;6,4\n")
    assert table.columns == ("area", "price")
    assert table.frame["area"].tolist() == [40.5, 75.0, 110.0]
    assert table.frame["price"].tolist() == [3.1, 4.6, 6.4]


def test_semicolons_with_decimal_points_and_tabs():
    for delimiter in ";\t":
        table = read(HOUSES.replace(",", delimiter))
        assert table.columns == ("area", "price")
        assert table.frame["price"].tolist() == [3.1, 4.6, 6.4, 8.7, 11.2]


def test_byte_order_mark_and_windows_line_endings():
    table = read("\ufeff" + HOUSES.replace("\n", "\r\n"))
    assert table.columns == ("area", "price")
    assert table.frame["area"].tolist() == [40, 75, 110, 150, 200]


def test_korean_column_and_file_names():
    table = read("면적,가격\n40,3.1\n75,4.6\n110,6.4\n", "집값.csv")
    assert table.columns == ("면적", "가격")
    fit = data_fit_from(table, "면적", "가격")
    assert (fit.x_label, fit.y_label, fit.title) == ("면적", "가격", "Your data: 집값.csv")


def test_quoted_fields_and_spaces_after_delimiters():
    table = read(
        '"name", "area", "price"\n"Kim, J.", 40, 3.1\n"Lee ""Jr""", 75, 4.6\n"Park", 110, 6.4\n'
    )
    assert table.columns == ("area", "price")
    assert "name" in table.notices[0]


def test_a_first_line_of_numbers_is_data_not_a_header():
    table = read("40,3.1\n75,4.6\n110,6.4\n")
    assert table.columns == ("column 1", "column 2")
    assert table.frame["column 1"].tolist() == [40, 75, 110]
    assert table.notices == (
        "The first line holds only numbers, so it was read as data: the columns are named "
        "'column 1', 'column 2'.",
    )


def test_empty_columns_are_left_out_with_a_notice():
    table = read("a,b,c\n1,,2\n2,,4\n3,,7\n")
    assert table.columns == ("a", "c")
    assert "Left out empty columns: b." in table.notices


def test_blank_header_cells_are_named_by_position():
    table = read(",b,\n1,2,\n2,4,\n3,7,\n")  # a trailing delimiter makes an empty third column
    assert table.columns == ("column 1", "b")
    assert "Left out empty columns: column 3." in table.notices


def test_numbers_with_thousands_separators_count_as_text_and_say_so():
    table = read('a,b,c\n1,"1,234",2\n2,"12,000",4\n3,5,7\n')
    assert table.columns == ("a", "c")
    assert any("thousands separators (such as '1,234')" in notice for notice in table.notices)


def test_numbers_mixed_with_text_say_which_text():
    table = read("a,b,c\n1,2,2\n2,?,4\n3,4,7\n")
    assert table.columns == ("a", "c")
    assert any("holds numbers but also text ('?')" in notice for notice in table.notices)


def test_filename_keeps_only_the_base_name():
    assert read(HOUSES, "C:\\fakepath\\houses.csv").filename == "houses.csv"


# Files that cannot be read


@pytest.mark.parametrize("contents", ["area,price\n1,2\n", None, "data:text/csv"])
def test_not_a_data_url(contents):
    with pytest.raises(UploadError, match="did not arrive as a data URL"):
        read_upload(contents, "data.csv")


def test_not_base64():
    with pytest.raises(UploadError, match="did not arrive base64-encoded"):
        read_upload("data:text/csv,area,price", "data.csv")
    with pytest.raises(UploadError, match="'data.csv' is not valid base64"):
        read_upload("data:text/csv;base64,@@@@", "data.csv")


def test_not_utf8_text():
    message = fails("면적,가격\n40,3\n".encode("cp949"), "is not UTF-8 text")
    assert "save it as 'CSV UTF-8'" in message
    fails("a,b\n1,\x002\n", "is not a text file")


def test_a_spreadsheet_workbook_is_not_csv():
    fails(b"PK\x03\x04" + bytes(100), "is a spreadsheet workbook, not CSV")


def test_empty_file():
    fails("", "'data.csv' is empty")
    fails(" \r\n\n", "'data.csv' is empty")


def test_not_csv_gives_pandas_reason():
    message = fails("a,b\n1,2\n3,4,5\n6,7\n", "could not be read as CSV")
    assert message == "'data.csv' could not be read as CSV: Expected 2 fields in line 3, saw 3"
    fails('a,b\n1,"2\n3,4\n', "could not be read as CSV: EOF inside string")


def test_oversized_file_is_refused_from_its_base64_length_before_decoding():
    # Not valid base64 at all: the size check must come first to give this message.
    payload = "!" * (4 * math.ceil(MAX_UPLOAD_BYTES / 3) + 4)
    with pytest.raises(UploadError) as caught:
        read_upload("data:text/csv;base64," + payload, "big.csv")
    assert str(caught.value).startswith("'big.csv' is 2.1 MB: the limit is 2 MB.")
    # A file exactly at the limit is read.
    body = "x,y\n" + "1,2\n" * ((MAX_UPLOAD_BYTES - 4) // 4)
    assert len(body) <= MAX_UPLOAD_BYTES
    assert read(body).columns == ("x", "y")


def test_upload_request_holds_the_largest_file():
    assert UPLOAD_REQUEST_BYTES > len(data_url(b"\0" * MAX_UPLOAD_BYTES))


def test_no_numeric_columns():
    message = fails("a,b\nx,y\nz,w\nv,u\n", "no numeric columns")
    assert message == "'data.csv' has no numeric columns: found text columns a, b"


def test_fewer_than_two_numeric_columns():
    message = fails("a,b\n1,x\n2,y\n3,z\n", "only one numeric column")
    assert message == (
        "'data.csv' has only one numeric column, 'a' (the others hold text: b): x and y need two"
    )


def test_too_few_rows():
    message = fails("a,b\n1,2\n3,4\n", "at least")
    assert (
        message == f"'data.csv' holds 2 rows of data: at least {MIN_ROWS} are needed to fit a line"
    )
    fails("a,b\n", "holds 0 rows of data")


# Sampling large files


def test_large_files_are_sampled_to_max_rows_deterministically():
    total = MAX_ROWS + 500
    text = "x,y\n" + "".join(f"{i},{2 * i + 1}\n" for i in range(total))
    table = read(text)
    assert len(table.frame) == MAX_ROWS
    assert table.notices == (
        f"Using {MAX_ROWS:,} of {total:,} rows: a random sample, "
        "the same every time this file is uploaded.",
    )
    x = table.frame["x"].to_numpy()
    assert np.all(np.diff(x) > 0)  # distinct rows of the file, in the file's order
    assert np.array_equal(table.frame["y"].to_numpy(), 2 * x + 1)  # whole rows, not mixed
    pd.testing.assert_frame_equal(read(text).frame, table.frame)


def test_wide_tables_are_cut_to_fit_the_store():
    rng = np.random.default_rng(1)
    values = rng.normal(size=(600, MAX_COLUMNS + 5))
    header = ",".join(f"c{i}" for i in range(values.shape[1]))
    text = header + "\n" + "\n".join(",".join(map(repr, row)) for row in values.tolist())
    table = read(text)
    assert table.columns == tuple(f"c{i}" for i in range(MAX_COLUMNS))
    assert f"Kept the first {MAX_COLUMNS} of {MAX_COLUMNS + 5} numeric columns." in table.notices
    assert MIN_ROWS <= len(table.frame) < 600
    assert table.notices[-1].startswith(f"Using {len(table.frame):,} of 600 rows (small enough")
    stored = len(json.dumps(table_to_store(table), allow_nan=False))
    assert 0.8 * MAX_STORE_BYTES < stored <= MAX_STORE_BYTES  # fits, without wasting the room


def test_store_budget_fits_the_request_cap():
    from app.security import MAX_REQUEST_BYTES

    assert MAX_STORE_BYTES <= MAX_REQUEST_BYTES // 2


# The Store form


def test_store_round_trip_is_json_safe():
    table = read("a,b,c\n1,2.5,\n2,inf,3\n3,-inf,4\n4,1e-7,5\n5,0.1,6\n", "r.csv")
    data = table_to_store(table)
    text = json.dumps(data, allow_nan=False)
    back = table_from_store(json.loads(text))
    assert (back.columns, back.notices, back.filename) == (
        table.columns,
        table.notices,
        table.filename,
    )
    pd.testing.assert_frame_equal(back.frame, table.frame)
    assert data["values"][0] == [1, 2, 3, 4, 5]  # whole numbers stay short


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d["values"][0].__setitem__(1, "x"),
        lambda d: d["values"][0].__setitem__(1, True),
        lambda d: d["values"][0].__setitem__(1, [1]),
        lambda d: d["values"][0].__setitem__(1, 10**400),
        lambda d: d["values"][0].pop(),
        lambda d: d["columns"].__setitem__(1, d["columns"][0]),
        lambda d: d["columns"].__setitem__(0, 7),
        lambda d: d.__setitem__("version", 99),
        lambda d: d.__setitem__("values", [col * (MAX_ROWS + 1) for col in d["values"]]),
        lambda d: d.pop("filename"),
    ],
)
def test_a_damaged_store_is_refused(damage):
    data = json.loads(json.dumps(table_to_store(read(HOUSES))))
    damage(data)
    with pytest.raises(UploadError, match="damaged: upload the file again"):
        table_from_store(data)
    with pytest.raises(UploadError, match="damaged"):
        data_fit_from(data, "area", "price")


def test_store_must_be_a_dict():
    with pytest.raises(UploadError, match="damaged"):
        table_from_store([1, 2])


# Choosing x and y


def test_same_column_for_x_and_y():
    with pytest.raises(UploadError) as caught:
        data_fit_from(read(HOUSES), "area", "area")
    assert str(caught.value) == "x and y are both 'area': choose two different columns"


@pytest.mark.parametrize("column", ["size", "street"])
def test_unknown_column(column):
    with pytest.raises(UploadError) as caught:
        data_fit_from(read(HOUSES), column, "price")
    assert str(caught.value) == (
        f"there is no numeric column {column!r}: the numeric columns are area, price"
    )


def test_no_column_chosen():
    with pytest.raises(UploadError, match="choose a column for y"):
        data_fit_from(read(HOUSES), "area", None)


def test_rows_with_missing_values_are_left_out_with_a_notice():
    table = read("x,y\n1,2\n2,\n,5\n4,9\n5,11\n6,13\n")
    fit = data_fit_from(table, "x", "y")
    assert fit.n == 4
    assert fit.x.tolist() == [1, 4, 5, 6]
    assert fit.description == (
        "Fit y = w·x + b to 4 rows of data.csv by least squares. "
        "Left out 2 rows with a missing value (1 in 'x', 1 in 'y')."
    )


def test_too_few_rows_after_leaving_out_missing_values():
    with pytest.raises(UploadError) as caught:
        data_fit_from(read("x,y\n1,\n2,\n3,4\n4,5\n"), "x", "y")
    assert str(caught.value) == (
        "only 2 rows have both 'x' and 'y': at least 3 are needed "
        "(2 rows have a missing value: 2 in 'y')"
    )


def test_constant_x_is_refused_and_constant_y_is_fitted():
    table = read("x,y,z\n3,1,2\n3,2,2\n3,4,2\n")
    with pytest.raises(UploadError) as caught:
        data_fit_from(table, "x", "y")
    assert str(caught.value) == (
        "column 'x' is constant (every value is 3): a line cannot be fitted against it, "
        "nor can it be scaled"
    )
    fit = data_fit_from(table, "y", "z")  # the best line is flat: w = 0, b = 2
    assert fit.surface("none").minimiser == pytest.approx((0.0, 2.0), abs=1e-12)


def test_nearly_constant_x_is_refused():
    table = read("x,y\n100000000000,1\n100000000001,2\n100000000002,4\n")
    with pytest.raises(UploadError, match="column 'x' barely varies for its size"):
        data_fit_from(table, "x", "y")


def test_infinite_values_are_refused_in_the_chosen_columns_only():
    table = read("x,y,z\n1,2,1\ninf,3,2\n3,4,4\n4,5,3\n")
    with pytest.raises(UploadError) as caught:
        data_fit_from(table, "x", "y")
    assert str(caught.value).startswith("column 'x' holds an infinite value (inf, or a number")
    assert "in 1 row: replace it with finite numbers" in str(caught.value)
    assert data_fit_from(table, "y", "z").n == 4


def test_huge_magnitudes_are_refused():
    table = read("x,y\n1,2\n2,3e13\n3,4\n")
    with pytest.raises(UploadError) as caught:
        data_fit_from(table, "x", "y")
    message = str(caught.value)
    assert message.startswith("column 'y' holds numbers as large as 3e+13 in size")
    assert "numbers this large overflow the loss" in message
    assert f"the limit is {MAX_MAGNITUDE:.0e}" in message


def test_records_are_accepted_and_checked():
    records = [{"x": 1, "y": 2.0}, {"x": 2, "y": None}, {"x": 3, "y": 5.5}, {"x": 4, "y": 7}]
    fit = data_fit_from(records, "x", "y")
    assert fit.n == 3
    assert fit.title == "Your data"
    records[0]["y"] = "2"
    with pytest.raises(UploadError, match="column 'y' holds values that are not numbers"):
        data_fit_from(records, "x", "y")
    with pytest.raises(UploadError, match="expected an uploaded table"):
        data_fit_from("x,y", "x", "y")


# The DataFit works with the engine


def raw_scaling(x: np.ndarray, normalization: str) -> tuple[float, float]:
    """(shift, scale) written out here, independent of the engine's scale_feature."""
    return {
        "none": (0.0, 1.0),
        "standard": (x.mean(), x.std()),
        "minmax": (x.min(), x.max() - x.min()),
    }[normalization]


def test_data_fit_minimiser_matches_polyfit_in_every_scaling():
    rng = np.random.default_rng(3)
    area = np.round(rng.uniform(40, 200, 60), 1)
    price = np.round(0.05 * area + 1.0 + rng.normal(0, 0.5, 60), 2)
    text = "area (m²),price\n" + "".join(f"{a},{p}\n" for a, p in zip(area, price, strict=True))
    table = read(text, "houses.csv")
    fit = data_fit_from(table, "area (m²)", "price")
    assert (fit.title, fit.x_label, fit.y_label, fit.n) == (
        "Your data: houses.csv",
        "area (m²)",
        "price",
        60,
    )
    slope, intercept = np.polyfit(area, price, 1)
    # The store form, as a callback receives it, gives the same problem.
    stored = data_fit_from(json.loads(json.dumps(table_to_store(table))), "area (m²)", "price")
    for normalization in NORMALIZATIONS:
        shift, scale = raw_scaling(area, normalization)
        expected = (slope * scale, intercept + slope * shift)
        surface = fit.surface(normalization)
        assert surface.minimiser == pytest.approx(expected, rel=1e-8)
        assert stored.surface(normalization).minimiser == pytest.approx(expected, rel=1e-8)
        gradient = surface.grad(np.array(surface.minimiser))
        assert np.abs(gradient).max() < 1e-8 * max(1.0, np.abs(price).max() * scale)
        assert fit.line(surface.minimiser, normalization) == pytest.approx(
            (slope, intercept), rel=1e-8
        )


# Hostile uploads (issue 13): every file under the cap is answered, with a message or a fit.
# csv.Sniffer took 30-50 s on a quoted run of 64 KB of spaces (quadratic backtracking).

# CPU seconds after which an upload counts as hung: a regression to quadratic time takes
# minutes on these files; the slowest here takes about 0.4 s (the closing note of issue 13).
HANG_GUARD_SECONDS = 5.0
CAP = MAX_UPLOAD_BYTES


def _wide_header(columns: int) -> str:
    return ",".join(f"c{i}" for i in range(columns)) + "\n"


HOSTILE = {
    "quoted spaces, 16 KB": '"' + " " * 16_000 + '"',
    "quoted spaces, 64 KB": '"' + " " * 65_000 + '"',
    "quoted spaces, 2 MB": '"' + " " * (CAP - 2) + '"',
    "quotes, 64 KB": '"' * 64_000,
    "quotes, 2 MB": '"' * CAP,
    "quote-space pairs, 2 MB": '" ' * (CAP // 2),
    "a quoted run in a table, 2 MB": 'x,y\n"' + " " * (CAP - 10) + '",1\n',
    "one 2 MB line of numbers": "1," * (CAP // 2 - 1) + "1",
    "one 2 MB line of spaces": "x" + " " * (CAP - 2) + "y",
    "one 2.5 MB line": "1," * 1_250_000,
    "a long cell, then 850,000 columns": '"' + "a" * 200_000 + '",' + "a," * 850_000,
    "blank lines, then 990,000 columns": "\n  \n" + "a," * 990_000,
    "short header, one 900,000-cell row": "x,y\n1,2\n" + "3," * 900_000 + "\n4,5\n",
    "10^6 tiny rows": "x\n" + "1\n" * (CAP // 2 - 2),
    "500,000 rows of two columns": "x,y\n" + "1,2\n3,5\n" * (CAP // 8 - 1),
    "300,000 rows, semicolons and decimal commas": "x;y\n" + "1,5;2,5\n2,5;4,0\n" * (CAP // 16 - 1),
    "1,000 columns x 900 rows": _wide_header(MAX_FILE_COLUMNS) + ("1," * 999 + "1\n") * 900,
    "1,000 text columns, semicolons": _wide_header(1000).replace(",", ";") + ("a;" * 999 + "1\n") * 980,
    "300,000 quoted newlines": "x,y\n" + '"\n",1\n' * 300_000,
    "an unterminated quote": 'x,y\n1,2\n"3,4\n5,6\n' + "7,8\n" * 100_000,
    "denormal x": "x,y\n" + "".join(f"{(i + 1) * 5e-324},{i}\n" for i in range(100)),
    "mixed delimiters": "x,y;z\t|w\n1,2;3\t4|5\n6;7,8\n9\t10|11,12\n",
    "NUL bytes": b"x,y\n1,2\x00\n3,4\n5,6\n",
    "a byte order mark": "\ufeffx,y\n1,2\n3,4\n5,7\n",
    "CRLF line endings": "x,y\r\n1,2\r\n3,4\r\n5,7\r\n",
    "CR line endings": "x,y\r1,2\r3,4\r5,7\r",
    "a header only": "x,y\n",
}


def answer(data: str | bytes) -> tuple[str, list[str], dict | None]:
    """(error, column choices, stored table) from the page's own upload callback, hang-guarded."""
    started = time.process_time()
    store, _, x, _, y, _, error = upload_outputs(data_url(data), "hostile.csv")
    spent = time.process_time() - started
    assert spent < HANG_GUARD_SECONDS, f"the upload took {spent:.1f} s of CPU"
    return error, ([x, y] if not error else []), (store if not error else None)


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_uploads_get_a_message_or_a_working_fit(name):
    error, columns, store = answer(HOSTILE[name])
    if error:
        assert error.startswith("'hostile.csv' "), error  # says which file, then what is wrong
        assert len(error) < 600
        return
    json.dumps(store, allow_nan=False)
    result = compute_views(
        "upload", "sgd", 0.1, "constant", "full", "standard", 50, 0, None, None, [], [], [], [], [],
        upload={"table": store, "x": columns[0], "y": columns[1]},
    )
    if not result["ok"]:  # a column the fit refuses: the message sits next to the upload
        assert result["errors"]["upload"].startswith("column "), result["errors"]
        return
    table = table_from_store(store)
    x, y = (table.frame[c].to_numpy() for c in columns)
    keep = ~(np.isnan(x) | np.isnan(y))
    slope, intercept = np.polyfit(x[keep], y[keep], 1)
    fit = data_fit_from(store, *columns)
    line = fit.line(fit.surface("standard").minimiser, "standard")
    assert line == pytest.approx((slope, intercept), rel=1e-6, abs=1e-9)


def test_the_answers_to_hostile_uploads_name_the_problem():
    messages = {name: answer(HOSTILE[name])[0] for name in HOSTILE}
    assert "holds 0 rows of data" in messages["quoted spaces, 64 KB"]
    assert "field larger than field limit" in messages["quoted spaces, 2 MB"]
    assert f"first line longer than {MAX_FIRST_LINE_CHARS // 1024} KB" in messages["blank lines, then 990,000 columns"]
    assert "Expected 2 fields in line 3, saw 900001" in messages["short header, one 900,000-cell row"]
    assert "the limit is 2 MB" in messages["one 2.5 MB line"]
    assert "EOF inside string" in messages["an unterminated quote"]
    assert "not a text file" in messages["NUL bytes"]
    assert "only one numeric column" in messages["10^6 tiny rows"]
    assert "holds 0 rows of data" in messages["a header only"]
    for name in ("a byte order mark", "CRLF line endings", "CR line endings", "1,000 columns x 900 rows"):
        assert messages[name] == "", name


def test_reading_hands_each_step_a_bounded_part_of_the_file(monkeypatch):
    """The delimiter is looked for in SNIFF_CHARS, the header in MAX_FIRST_LINE_CHARS; pandas'
    C parser (linear) reads the whole file at most twice; csv.Sniffer is never asked."""
    import app.upload as upload

    handed, parses = [], []
    real_reader, real_read_csv = csv.reader, pd.read_csv

    def reader(source, **options):
        handed.append(len(source.getvalue()))
        return real_reader(source, **options)

    def read_csv(source, **options):
        assert options.get("engine") == "c"
        parses.append(len(source.getvalue()))
        return real_read_csv(source, **options)

    def no_sniffer(*_args, **_kwargs):
        raise AssertionError("csv.Sniffer backtracks quadratically on quoted runs")

    monkeypatch.setattr(upload.csv, "reader", reader)
    monkeypatch.setattr(upload.csv, "Sniffer", no_sniffer)
    monkeypatch.setattr(upload.pd, "read_csv", read_csv)
    for text in (
        "x;y\n" + "1,5;2,5\n2,5;4,0\n" * (CAP // 16 - 1),
        'x,y\n"' + " " * (CAP - 10) + '",1\n',
    ):
        handed.clear(), parses.clear()
        read_upload(data_url(text), "big.csv") if text.startswith("x;") else answer(text)
        assert handed and max(handed[:-1]) <= SNIFF_CHARS and handed[-1] <= MAX_FIRST_LINE_CHARS
        assert len(parses) <= 2


def test_a_file_too_wide_is_refused_before_pandas_builds_its_columns():
    message = fails(_wide_header(MAX_FILE_COLUMNS + 1) + "1," * MAX_FILE_COLUMNS + "1\n", "columns")
    assert f"at most {MAX_FILE_COLUMNS:,} can be read" in message


def test_the_delimiter_is_the_one_that_splits_lines_alike():
    assert read("name\tx\ty\nSmith, J\t1\t2\nLee, K\t2\t4\nKim, M\t3\t7\n").columns == ("x", "y")
    assert read("x|y\n1|2\n2|4\n3|7\n").columns == ("x", "y")
    # A semicolon file whose decimal commas outnumber its semicolons.
    table = read("a;b\n1,25;2,5\n2,5;4,75\n3,5;7,25\n")
    assert table.frame["b"].tolist() == [2.5, 4.75, 7.25]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ([1e-160, 2e-160, 3e-160], "the largest is 3e-160 in size"),
        ([5e-324, 1e-323, 1.5e-323], "the largest is 1.48e-323 in size"),  # denormals
        ([1e-13, 2e-13, 3e-13], "the largest is 3e-13 in size"),
    ],
)
@pytest.mark.parametrize("role", ["x", "y"])
def test_tiny_numbers_are_refused_naming_the_column_and_the_smallest_allowed(values, message, role):
    other = [1.0, 2.0, 4.0]
    x, y = (values, other) if role == "x" else (other, values)
    table = read("x,y\n" + "".join(f"{a!r},{b!r}\n" for a, b in zip(x, y, strict=True)))
    with pytest.raises(UploadError) as caught:
        data_fit_from(table, "x", "y")
    text = str(caught.value)
    assert text.startswith(f"column {role!r} holds only tiny numbers ({message})")
    assert f"at least {MIN_MAGNITUDE:.0e}" in text and "Rescale the column" in text


def test_the_smallest_and_largest_allowed_sizes_fit_in_every_scaling():
    x = np.array([1.0, 2.0, 3.5, 5.0]) * MIN_MAGNITUDE
    y = np.array([3.0, 1.0, 4.0, 1.5]) * MAX_MAGNITUDE / 5
    table = read("x,y\n" + "".join(f"{a!r},{b!r}\n" for a, b in zip(x.tolist(), y.tolist(), strict=True)))
    fit = data_fit_from(table, "x", "y")
    slope, intercept = np.polyfit(x / MIN_MAGNITUDE, y, 1)  # polyfit on x in its own unit
    for normalization in NORMALIZATIONS:
        line = fit.line(fit.surface(normalization).minimiser, normalization)
        assert line == pytest.approx((slope / MIN_MAGNITUDE, intercept), rel=1e-6)
    zeros = read("x,y\n1,0\n2,0\n3,0\n")  # an all-zero y is a flat line, not tiny numbers
    assert data_fit_from(zeros, "x", "y").surface("none").minimiser == pytest.approx((0.0, 0.0))


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("inf", "holds an infinite value"),
        ("-Infinity", "holds an infinite value"),
        ("1e999", "holds an infinite value"),
        ("1e300", "holds numbers as large as 1e+300 in size"),
    ],
)
def test_infinite_and_huge_cells_are_refused_naming_the_column(cell, message):
    table = read(f"x,y\n1,2\n2,{cell}\n3,4\n4,5\n")
    with pytest.raises(UploadError, match="^column 'y' " + re.escape(message)):
        data_fit_from(table, "x", "y")


def test_nan_cells_are_missing_values():
    fit = data_fit_from(read("x,y\n1,2\n2,nan\n3,4\n4,NaN\n5,6\n"), "x", "y")
    assert fit.n == 3 and "Left out 2 rows with a missing value (2 in 'y')" in fit.description


def test_tiny_x_with_a_spread_is_judged_in_its_own_unit():
    # 1e-11 to 1e-11 * (1 + 1e-12): its squares do not underflow, yet it barely varies.
    with pytest.raises(UploadError, match="barely varies for its size"):
        data_fit_from(read("x,y\n1e-11,1\n1.000000000001e-11,2\n1.000000000002e-11,3\n"), "x", "y")
