"""What the control panels show as the choices change: the chosen optimizer's or scheduler's
parameters, and the columns an uploaded table offers."""

from __future__ import annotations

import flask
from dash import ctx, html, no_update
from dash.exceptions import MissingCallbackContextException

from app.request import listed
from app.upload import UploadError, read_upload, table_to_store


def block_styles(chosen, names) -> list[dict]:
    """The style of each parameter block (one per optimizer or scheduler): only the chosen
    one's is shown.

    In a callback the blocks are the ones its request names as outputs (Dash wants one
    style for each, and a tampered request may name fewer or others); called directly (the
    layout's first answer, app.factory.layout_answers), all of names.
    """
    owners = list(names)
    if flask.has_request_context():
        try:
            owners = [_owner(block) for block in listed(ctx.outputs_list)]
        except (LookupError, MissingCallbackContextException):  # the layout's request: no callback
            pass
    return [{} if owner == chosen else {"display": "none"} for owner in owners]


def _owner(block) -> str | None:
    block_id = block.get("id") if isinstance(block, dict) else None
    return block_id.get("owner") if isinstance(block_id, dict) else None


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
