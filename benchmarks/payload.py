"""Bytes on the wire for one control change: the response body of /_dash-update-component.

Posted through the Flask test client with the request the renderer sends (built from the
app's own /_dash-dependencies and /_dash-layout): first the page load (whole figures), then a
learning-rate change on that page, which carries the config the browser then holds, so the
server answers with Patch objects for the map and the 3D view (paths only, no grid).

- default view, control change: < 250 KB
- heavy view (linreg, batch 1, 4 runs x 2,000 steps), control change: < 1 MB
The baseline ratio is the same answer with whole figures and plain JSON lists (as before).
"""

from __future__ import annotations

import json

from benchmarks.report import Row
from benchmarks.server import (
    app_and_shape,
    change_body,
    drawn_config,
    heavy_values,
    load_body,
    post,
)

DEFAULT_TARGET = 250_000
HEAVY_TARGET = 1_000_000


def kb(size: int) -> str:
    return f"{size / 1000:.1f} KB"


def baseline_bytes(values: dict, lr: float) -> int:
    """The old answer's size: whole figures, every array a JSON list (no Patch, no bdata)."""
    from dash._utils import to_json

    from app import viewmodel

    result = viewmodel.compute_views(
        values.get("surface", "bowl"), "sgd", lr, "constant", values.get("batch-size", "full"),
        values.get("normalization", "none"), values.get("steps", 100), 0, None, None, [], [], [], [],
        values.get("pinned", []),
    )  # fmt: skip
    return len(to_json([result[k] for k in ("contour", "surface3d", "loss", "lr", "third")]))


def response_bytes(values: dict, lr: float = 0.02) -> tuple[int, int, dict]:
    """(page-load bytes, control-change bytes, the change's decoded answer)."""
    _, client, shape = app_and_shape()
    status, raw_load, answer, _ = post(client, load_body(shape, values))
    assert status == 200, status
    status, raw, change, _ = post(client, change_body(shape, values, drawn_config(answer), lr))
    assert status == 200, status
    return len(raw_load), len(raw), change


def run(args) -> list[Row]:
    rows = []
    for name, values, target in (("default view", {}, DEFAULT_TARGET), ("heavy view", heavy_values(), HEAVY_TARGET)):
        load, change, answer = response_bytes(values)
        contour = answer["response"]["contour"]["figure"]
        patched = "__dash_patch_update" in json.dumps(contour)[:200] or "operations" in contour
        before = baseline_bytes(values, 0.02)
        rows.append(
            Row(
                f"payload: {name}, control change",
                change,
                target,
                ratio=before / change,
                unit="bytes",
                note=f"page load {kb(load)}; whole figures as JSON lists {kb(before)}; map sent as a Patch: {patched}",
            )
        )
    return rows
