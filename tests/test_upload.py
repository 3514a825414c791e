"""Your own data: reading an uploaded CSV, its checks and messages, the Store form, the DataFit."""

from __future__ import annotations

import base64
import json
import math

import numpy as np
import pandas as pd
import pytest

from app.upload import (
    MAX_COLUMNS,
    MAX_MAGNITUDE,
    MAX_ROWS,
    MAX_STORE_BYTES,
    MAX_UPLOAD_BYTES,
    MIN_ROWS,
    UPLOAD_REQUEST_BYTES,
    UploadedTable,
    UploadError,
    data_fit_from,
    read_upload,
    table_from_store,
    table_to_store,
)
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
