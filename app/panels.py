"""What the control panels show as the choices change: the chosen optimizer's or scheduler's
parameters, and the columns an uploaded table offers."""

from __future__ import annotations

from dash import html, no_update

from app.controls import param_block
from app.request import number, param_controls
from app.upload import UploadError, read_upload, table_to_store


def chosen_params(kind: str, chosen, values, ids) -> html.Div:
    """The parameter block for the optimizer or scheduler just chosen, with its defaults; what
    the student typed stays when the block shown is already the chosen one's (the layout's
    first answer, app.factory.layout_answers). values and ids are the shown controls' (ALL)."""
    shown = {}
    if param_controls(values, ids):
        # only what a control can hold: a tampered request's lists or dicts are left out
        shown = {i["name"]: v for v, i in zip(values, ids, strict=True) if i["owner"] == chosen and shown_value(v)}
    return param_block(kind, chosen, shown)


def shown_value(value) -> bool:
    return isinstance(value, str) or number(value) is not None


def upload_outputs(contents, filename):
    """A CSV upload read into a table kept in the browser, with the column choices it offers."""
    try:
        table = read_upload(contents, filename or "data.csv")
    except UploadError as error:
        return no_update, no_update, no_update, no_update, no_update, "", str(error)
    columns = list(table.columns)
    options = [{"label": c, "value": c} for c in columns]
    notes = [html.Div(note) for note in table.notices]
    return table_to_store(table), options, columns[0], options, columns[1], notes, ""
