"""What a change sends the page: what it does not show yet, and nothing it already shows.

Every prop the browser is sent costs Dash's renderer an update of its whole layout (a children
prop a re-mount too), so the main callback leaves out a text equal to the one on the page, the
summary line outside embed mode and the network's emptied third-graph Store (app.answers.as_shown).
Each request here is the one the page itself sends (tests.serving.AppShape reads the callback
graph and the page's props), posted to the app as the browser posts it.
"""

from __future__ import annotations

import pytest

from app import create_app
from app.callbacks import SHOWN_TEXTS
from tests.serving import AppShape, strict_json

MAIN = "contour.figure"
TEXTS = {f"{component}.{prop}" for component, prop in SHOWN_TEXTS}


@pytest.fixture(scope="module")
def client():
    return create_app().server.test_client()


def page(client, query: str = "") -> AppShape:
    shape = AppShape(client.get("/_dash-dependencies").get_json())
    shape._collect(client.get(f"/_dash-layout{query}").get_json())
    return shape


def shown(shape: AppShape, component: str, prop: str):
    return next(props.get(prop) for cid, props in shape.components if cid == component)


def sent(client, shape: AppShape, values: dict, changed: str = "lr.value") -> dict:
    """The main callback's answer to a change on the page `shape`, by "id.prop"."""
    body = shape.body(shape.callback(MAIN), values, changed=[changed])
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    answer = strict_json(response.get_data(as_text=True))["response"]
    return {f"{component}.{prop}": value for component, props in answer.items() for prop, value in props.items()}


def test_a_new_rate_sends_the_runs_and_none_of_the_texts_the_page_shows(client):
    shape = page(client)
    answer = sent(client, shape, {"lr": 0.07, "current-config": shown(shape, "current-config", "data")})
    # the run's own views and words are new
    assert {"contour.figure", "surface3d.figure", "loss-graph.figure", "badges.children", "current-config.data"} <= set(answer)
    assert answer["current-config.data"]["lr"] == 0.07
    # the formula, the (empty) notice and messages, the hidden summary and the empty network Store stay
    assert not (TEXTS | {"summary.children", "network-third.data"}) & set(answer)


def test_a_message_the_page_shows_is_cleared_and_a_new_one_sent(client):
    shape = page(client)
    config = shown(shape, "current-config", "data")
    refused = sent(client, shape, {"lr": 0, "current-config": config})
    message = refused["lr-error.children"]
    assert "lr" in message and refused["notice.children"]  # the refusal is said, beside the field and on top
    assert "contour.figure" not in refused  # the last drawn run stays
    # the page now shows that message: a good rate clears it (and the notice), and says nothing else
    cleared = sent(client, shape, {"lr": 0.07, "lr-error": message, "notice": refused["notice.children"], "current-config": config})
    assert cleared["lr-error.children"] == "" and cleared["notice.children"] == ""
    assert not (TEXTS - {"lr-error.children", "notice.children"}) & set(cleared)
    # the same refusal twice: the message on the page is left as it is
    again = sent(client, shape, {"lr": 0, "lr-error": message, "notice": refused["notice.children"], "current-config": config})
    assert "lr-error.children" not in again and "notice.children" not in again


def test_another_surface_sends_its_formula(client):
    shape = page(client)
    answer = sent(client, shape, {"surface": "rosenbrock"}, changed="surface.value")
    assert answer["formula.children"] != shown(shape, "formula", "children")
    assert answer["current-config.data"]["surface"] == "rosenbrock"


def test_the_summary_line_is_sent_where_it_is_on_screen_only(client):
    plain = page(client)
    assert "summary.children" not in sent(client, plain, {"lr": 0.07})
    embedded = page(client, "?embed=1")
    assert shown(embedded, "view-flags", "data")["embed"] is True
    line = sent(client, embedded, {"lr": 0.07})["summary.children"]
    assert "0.07" in line


def test_leaving_the_network_empties_its_third_graph_store(client):
    network = page(client, "?surface=network")
    held = shown(network, "network-third", "data")
    assert held and held.get("figures")  # the network's third-graph views, in the page
    config = shown(network, "current-config", "data")
    answer = sent(client, network, {"surface": "bowl", "current-config": config}, changed="surface.value")
    assert answer["network-third.data"] == {}
