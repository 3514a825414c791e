"""Reading the wire form back in tests: the inverse of app.figures.wire.typed_array."""

from __future__ import annotations

import base64

import numpy as np


def decode_typed_array(spec) -> np.ndarray:
    """The array a plotly typed array {"dtype", "bdata"[, "shape"]} holds; a plain list as given."""
    if not isinstance(spec, dict):
        return np.asarray(spec)
    dtype = np.dtype(spec["dtype"].replace("f", "<f").replace("i", "<i").replace("u", "<u"))
    flat = np.frombuffer(base64.b64decode(spec["bdata"]), dtype=dtype)
    if "shape" in spec:
        return flat.reshape([int(n) for n in str(spec["shape"]).split(",")])
    return flat
