"""The wire form of figures: long numeric arrays as plotly's typed arrays (base64)."""

from __future__ import annotations

import base64
import math

import numpy as np

# Arrays shorter than this stay plain lists: encoding would not pay for itself.
COMPACT_MIN = 16
F4_LIMIT = 3.0e38  # beyond float32's range: such an array travels as float64


def typed_array(values) -> dict | list:
    """plotly's typed-array form of a numeric array: {"dtype", "bdata"[, "shape"]}.

    Integers travel as the smallest unsigned/signed type that holds them, floats as float32
    (float64 when a value lies beyond float32's range), ±inf and NaN as NaN. Anything else is
    returned as given.
    """
    array = np.asarray(values)
    if array.dtype.kind not in "iuf" or array.ndim not in (1, 2) or array.size == 0:
        return values
    if array.dtype.kind in "iu":
        low, high = int(array.min()), int(array.max())
        if low >= 0:
            dtype = "u1" if high < 2**8 else "u2" if high < 2**16 else "u4"
        else:
            dtype = "i2" if -(2**15) <= low and high < 2**15 else "i4"
        packed = array.astype({"u1": np.uint8, "u2": np.uint16, "u4": np.uint32, "i2": np.int16, "i4": np.int32}[dtype])
    else:
        finite = np.isfinite(array)
        magnitudes = np.abs(array[finite])
        small = magnitudes.size == 0 or float(magnitudes.max()) < F4_LIMIT
        dtype = "f4" if small else "f8"
        # inf and NaN travel as NaN, which plotly draws as a gap
        packed = np.where(finite, array, np.nan).astype(np.float32 if small else np.float64)
    spec = {"dtype": dtype, "bdata": base64.b64encode(np.ascontiguousarray(packed).astype(packed.dtype.newbyteorder("<")).tobytes()).decode("ascii")}
    if array.ndim == 2:
        spec["shape"] = f"{array.shape[0]},{array.shape[1]}"
    return spec


def compact(figure: dict, plain: tuple[int, ...] = ()) -> dict:
    """The figure with every long numeric x, y, z and customdata as a typed array.

    Traces listed in `plain` keep x and y as lists (rounded to 1e-5 of the axis span): the
    contour's whole paths, which scripts and tests read from the page's gd.data, where plotly
    keeps typed arrays in their encoded form. Rows of unequal length stay lists. Returns a new
    figure; the layout is shared unless it held a non-finite number. Whatever a run reached,
    the result is strict JSON: a NaN or ±inf left anywhere becomes None (a gap to plotly).
    """
    data = []
    for index, trace in enumerate(figure["data"]):
        trace = dict(trace)
        for key in ("x", "y", "z", "customdata"):
            values = trace.get(key)
            if not isinstance(values, list) or len(values) < COMPACT_MIN:
                continue
            if index in plain and key in ("x", "y"):
                trace[key] = _rounded(values, figure["layout"].get(f"{key}axis", {}).get("range"))
                continue
            try:
                trace[key] = typed_array(values)
            except ValueError:  # ragged rows
                pass
        data.append(json_safe(trace))
    return {**figure, "data": data, "layout": json_safe(figure["layout"])}


def json_safe(value):
    """value with every NaN and ±inf (in dicts, lists and tuples, at any depth) as None; the
    same object when it holds none, so a clean figure is not copied."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        cleaned = {key: json_safe(item) for key, item in value.items()}
        changed = any(cleaned[key] is not item for key, item in value.items())
        return cleaned if changed else value
    if isinstance(value, list | tuple):
        cleaned = [json_safe(item) for item in value]
        changed = any(new is not old for new, old in zip(cleaned, value, strict=True))
        return (cleaned if isinstance(value, list) else tuple(cleaned)) if changed else value
    if isinstance(value, np.floating):
        return float(value) if np.isfinite(value) else None
    return value


# Past this size rounding to a few decimals changes nothing, and computing it (x 10**digits)
# would overflow: a steep formula's heights reach 1e306.
ROUND_BELOW = 1e15


def round_to(values, digits: int) -> np.ndarray:
    """values rounded to digits decimals, those beyond ROUND_BELOW left as they are."""
    values = np.asarray(values, dtype=float)
    small = np.abs(values) < ROUND_BELOW
    out = values.copy()
    out[small] = np.round(values[small], digits)
    return out


def _rounded(values: list, axis_range) -> list:
    """Values rounded to a hundred-thousandth of the axis span: far below a pixel, short in JSON."""
    try:
        span = abs(float(axis_range[1]) - float(axis_range[0]))
    except (TypeError, ValueError, IndexError):
        return values
    if not span > 0 or not np.isfinite(span):
        return values
    digits = max(0, 5 - int(np.floor(np.log10(span))))
    return round_to(values, digits).tolist()

