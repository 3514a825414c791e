"""The network page (app/network_page.py): what the main callback sends for surface "network",
read from the page a link opens, checked against the network trained again and its loss and
output computed a second way; bad values named beside their field; its links both ways."""

from __future__ import annotations

import re

import numpy as np
import pytest
from dash import no_update
from serving import AppShape

from app import answers
from app.callbacks import ERROR_IDS
from app.factory import create_app
from app.layout import lesson_options, page
from app.lessons import NETWORK_LESSONS, lesson_text
from app.links import decode, encode
from app.navigation import navigation_target
from app.network_links import decode_network
from app.network_links import navigation_target as network_target
from app.network_page import NETWORK_OUTPUTS
from app.request import PageRequest
from app.viewmodel import ERROR_SLOTS
from engine import OUTCOMES
from engine.network import NetworkConfig, train_many
from engine.network.mlp import forward
from tests.wire_helpers import decode_typed_array

# The main callback's outputs by component id, in app.callbacks' order.
OUTPUT_IDS = (
    "contour", "surface3d", "loss-graph", "lr-graph", "third-graph", "badges", "formula", "summary",
    "current-config", "url", "notice", *(ERROR_IDS[slot] for slot in ERROR_SLOTS),
    *(component for component, _ in NETWORK_OUTPUTS), "contour-layer",
)  # fmt: skip
# Control ids of the request's fields (app.callbacks wires the same).
CONTROLS = {
    "surface": "surface", "optimizer": "optimizer", "lr": "lr", "scheduler": "scheduler",
    "batch_size": "batch-size", "normalization": "normalization", "steps": "steps", "seed": "seed",
    "start_x": "start-x", "start_y": "start-y", "curve_x": "curve-x", "dataset": "dataset",
    "hidden": "hidden", "activation": "activation", "directions": "directions",
    "direction_seed": "direction-seed",
}  # fmt: skip


def _components(node):
    """Every component of a layout tree."""
    yield node
    children = getattr(node, "children", None)
    for child in children if isinstance(children, list | tuple) else [children]:
        if hasattr(child, "to_plotly_json"):
            yield from _components(child)


def request_of(query: str, **changed) -> PageRequest:
    """The main callback's request from the page a link opens, as the browser first sends it
    (each control's value, the parameter controls in page order, the Stores' data)."""
    state, notices = decode(query)
    by_id, opt, sched = {}, [], []
    for component in _components(page(state, notices)):
        key = getattr(component, "id", None)
        if isinstance(key, dict):
            if key.get("type") in ("opt-param", "sched-param"):
                (opt if key["type"] == "opt-param" else sched).append((getattr(component, "value", None), key))
        elif key is not None:
            by_id[key] = component
    values = {field: getattr(by_id[control], "value", None) for field, control in CONTROLS.items()}
    values.update(
        opt_values=[v for v, _ in opt], opt_ids=[k for _, k in opt],
        sched_values=[v for v, _ in sched], sched_ids=[k for _, k in sched],
        pinned=by_id["pinned"].data, flags=by_id["view-flags"].data,
    )  # fmt: skip
    values.update(changed)
    return PageRequest(**values)


def answer(request: PageRequest) -> dict:
    outputs, _ = answers._main_outputs(request)
    assert len(outputs) == len(OUTPUT_IDS)
    return dict(zip(OUTPUT_IDS, outputs, strict=True))


def values(spec) -> np.ndarray:
    return np.asarray(decode_typed_array(spec), dtype=float)


def cross_entropy(z, y):
    """The mean binary cross-entropy of logits z, written out (softplus(z) − y·z)."""
    return float(np.mean(np.logaddexp(0.0, z) - y * z))


def loss_of(run, weights) -> float:
    """The run's loss at weights, from the network's forward pass and the loss written out."""
    data = run.data
    z = forward(run.layout, run.config.activation, np.asarray(weights, dtype=float), data.inputs)
    return cross_entropy(z, data.targets) if data.task == "classification" else float(0.5 * np.mean((z - data.targets) ** 2))


_TRAINED: dict[str, list] = {}


def trained(key: str) -> list:
    """A lesson's runs trained on their own, current first (the page's order)."""
    if key not in _TRAINED:
        lesson = NETWORK_LESSONS[key]
        _TRAINED[key] = train_many([lesson.current, *lesson.runs[:-1]])
    return _TRAINED[key]


@pytest.fixture(scope="module")
def lesson_answers() -> dict:
    return {key: answer(request_of(f"preset={key}")) for key in NETWORK_LESSONS}


# --------------------------------------------------------------------------- lessons


def test_network_lessons_are_n1_to_n4_in_the_menu_in_both_languages():
    assert [lesson.number for lesson in NETWORK_LESSONS.values()] == ["N1", "N2", "N3", "N4"]
    hangul = re.compile("[\uac00-\ud7a3]")
    for lang in ("en", "ko"):
        menu = {o["value"]: o["label"] for o in lesson_options(lang)}
        for key, lesson in NETWORK_LESSONS.items():
            title, explanation = lesson_text(lesson, lang)
            assert menu[key] == f"{lesson.number} · {title}"
            assert 2 <= explanation.count(". ") + 1 <= 4 if lang == "en" else hangul.search(explanation)
    assert all(isinstance(run, NetworkConfig) for lesson in NETWORK_LESSONS.values() for run in lesson.runs)


@pytest.mark.parametrize("key", list(NETWORK_LESSONS))
def test_each_network_lesson_gives_its_expected_outcomes(key):
    lesson = NETWORK_LESSONS[key]
    assert set(lesson.expected) <= set(OUTCOMES)
    runs = train_many(lesson.runs)
    assert tuple(run.outcome for run in runs) == lesson.expected


def test_the_lessons_numbers_are_the_lectures():
    n1 = trained("network-descent")[0]
    assert n1.outcome == "converged" and n1.accuracy[-1] >= 0.95
    n2 = {run.config.lr: run for run in trained("network-too-large-rate")}
    assert n2[0.01].outcome == "converged" and n2[1.0].diverged_at == 6


# --------------------------------------------------------------------------- the answer


@pytest.mark.parametrize("key", list(NETWORK_LESSONS))
def test_a_lesson_sends_the_engines_values(lesson_answers, key):
    out = lesson_answers[key]
    runs = trained(key)
    current = runs[0]
    assert out["notice"] == "" and not any(out[ERROR_IDS[slot]] for slot in ERROR_SLOTS)
    # the map's value at its centre, (0, 0) on the plane, is the loss at the final weights
    slice_ = out["contour"]["data"][0]
    alphas, betas = values(slice_["x"]), values(slice_["y"])
    i, j = int(np.argmin(np.abs(betas))), int(np.argmin(np.abs(alphas)))
    assert alphas[j] == pytest.approx(0, abs=1e-9 * np.ptp(alphas)) and betas[i] == pytest.approx(0, abs=1e-9 * np.ptp(betas))
    assert values(slice_["customdata"])[i, j] == pytest.approx(loss_of(current, current.final_weights), rel=1e-4)
    # each loss curve ends at its run's final loss, the rate curve holds the rates used
    for slot, run in enumerate(runs):
        curve = out["loss-graph"]["data"][slot]
        assert values(curve["y"])[-1] == pytest.approx(loss_of(run, run.final_weights), rel=1e-4)
        assert values(out["lr-graph"]["data"][slot]["y"])[-1] == pytest.approx(run.lr[-1])
    # the whole path on the map has one point per kept step, up to the last
    assert values(out["contour"]["data"][1]["customdata"])[-1] == current.steps_taken
    # one badge per run, in the page's order, with the expected outcome
    lesson = NETWORK_LESSONS[key]
    badges = [b for b in out["badges"] if "badge" == b.className]
    expected = (lesson.expected[-1], *lesson.expected[:-1])
    assert tuple(b.to_plotly_json()["props"]["data-outcome"] for b in badges) == expected
    assert out["url"] == f"?preset={key}"
    assert out["network-output"]["layout"]["meta"]["frame_steps"][-1] == max(r.steps_taken for r in runs)


def test_n1_draws_its_accuracy_and_decision_boundary(lesson_answers):
    out = lesson_answers["network-descent"]
    run = trained("network-descent")[0]
    accuracy = values(out["third-graph"]["data"][0]["y"])
    assert accuracy[-1] >= 95
    hits = ((forward(run.layout, "tanh", run.final_weights, run.data.inputs) > 0) == (run.data.targets > 0.5)).mean()
    assert accuracy[-1] == pytest.approx(100 * hits)
    assert f"accuracy {100 * hits:.1f} %" in out["badges"][0].children[-1].children
    # the boundary shown is P(class 1) of the final weights over the raw input plane
    figure = out["network-output"]
    boundary = figure["data"][0]
    xs, ys, shown = values(boundary["x"]), values(boundary["y"]), values(boundary["z"])
    grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    data = run.data
    z = forward(run.layout, "tanh", run.final_weights, (grid - data.shift) / data.scale)
    truth = 100 / (1 + np.exp(-z.reshape(len(ys), len(xs))))
    assert np.abs(shown - truth).max() <= 0.5 + 1e-9
    # one frame per kept step, named by it, the last one the figure itself
    steps = figure["layout"]["meta"]["frame_steps"]
    assert [frame["name"] for frame in figure["frames"]] == [str(s) for s in steps]
    assert np.array_equal(values(figure["frames"][-1]["data"][0]["z"]), shown)
    assert not np.array_equal(values(figure["frames"][0]["data"][0]["z"]), shown)


def test_n2_badges_name_the_step_it_diverged_at(lesson_answers):
    badge = lesson_answers["network-too-large-rate"]["badges"][1]
    assert badge.to_plotly_json()["props"]["data-outcome"] == "diverged"
    assert re.search(r"\b6\b", badge.children[1].children)
    # regression: the third graph is what the map hides (the true loss beside the map's)
    honesty = lesson_answers["network-too-large-rate"]["third-graph"]
    run = trained("network-too-large-rate")[0]
    assert values(honesty["data"][0]["y"])[-1] == pytest.approx(run.final_loss, rel=1e-4)


def test_a_changed_learning_rate_changes_the_drawn_path():
    base = request_of("preset=network-descent", steps=200)
    first, second = answer(base), answer(PageRequest(**{**base.__dict__, "lr": 0.03}))
    path_one, path_two = (np.asarray(o["contour"]["data"][1]["x"], dtype=float) for o in (first, second))
    assert path_one.shape != path_two.shape or not np.allclose(path_one, path_two)
    rerun = train_many([NetworkConfig(dataset="moons", optimizer="adam", lr=0.03, steps=200)])[0]
    assert values(second["loss-graph"]["data"][0]["y"])[-1] == pytest.approx(rerun.final_loss, rel=1e-4)
    # changed, the lesson is only where it started: the link spells the settings out
    assert "lr=0.03" in second["url"] and "preset=" not in second["url"]


BAD = [
    ({"hidden": "0,99"}, "hidden-error", "hidden", "1 to 3 layers of 1 to 16 units"),
    ({"hidden": "16,16,16,16"}, "hidden-error", "hidden", "1 to 3 layers"),
    ({"dataset": "mnist"}, "dataset-error", "dataset", "moons, circles, xor, spiral, house_prices"),
    ({"batch_size": 500}, "batch-error", "batch_size", "[1, 200]"),
    ({"dataset": "house_prices", "batch_size": 150}, "batch-error", "batch_size", "[1, 100]"),
    ({"activation": "sigmoid"}, "activation-error", "activation", "tanh, relu"),
    ({"directions": "up"}, "directions-error", "directions", "pca, random"),
    ({"direction_seed": -1}, "directions-error", "direction_seed", "an integer in [0,"),
    ({"lr": None}, "lr-error", "lr", "[1e-05, 10]"),
    ({"lr": 50}, "lr-error", "lr", "[1e-05, 10]"),
    ({"steps": 0}, "steps-error", "steps", "an integer in [1,"),
]


@pytest.mark.parametrize(("changed", "slot", "field", "allowed"), BAD)
def test_a_bad_value_is_named_beside_its_field_and_the_pictures_stay(changed, slot, field, allowed):
    out = answer(request_of("surface=network", **changed))
    message = out[slot]
    assert message.startswith(f"{field} = ") and allowed in message
    assert field in out["notice"]
    assert all(out[key] is no_update for key in ("contour", "surface3d", "loss-graph", "network-output", "url"))
    others = [key for key in (*(ERROR_IDS[s] for s in ERROR_SLOTS), *(c for c, _ in NETWORK_OUTPUTS[1:])) if key != slot]
    assert not any(out[key] for key in others)


@pytest.fixture(scope="module")
def network_page_over_http():
    """The app in this process, its callbacks and the components of the page ?surface=network
    (the renderer asks for the layout with the page's address as the Referer)."""
    client = create_app().server.test_client()
    shape = AppShape(client.get("/_dash-dependencies").get_json())
    shape._collect(client.get("/_dash-layout", headers={"Referer": "http://localhost/?surface=network"}).get_json())
    return client, shape


@pytest.mark.parametrize(
    ("values", "slot"),
    [({"hidden": "0,99"}, "hidden-error"), ({"dataset": "mnist"}, "dataset-error"), ({"batch-size": 500}, "batch-error"), ({"dataset": ["x"]}, "dataset-error")],
)
def test_a_bad_value_over_http_is_an_answer_not_a_500(network_page_over_http, values, slot):
    client, shape = network_page_over_http
    body = shape.body(shape.callback("contour.figure"), values, changed=[f"{next(iter(values))}.value"])
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200
    answer = response.get_json()["response"]
    assert "is not allowed" in answer[slot]["children"]
    assert "contour" not in answer  # the last picture stays


def test_the_page_over_http_draws_the_network(network_page_over_http):
    client, shape = network_page_over_http
    body = shape.body(shape.callback("contour.figure"), {"steps": 50})
    answer = client.post("/_dash-update-component", json=body).get_json()["response"]
    assert answer["network-output"]["figure"]["layout"]["meta"]["kind"] == "network_output"
    assert answer["url"]["search"].startswith("?surface=network&dataset=moons") and "steps=50" in answer["url"]["search"]


# --------------------------------------------------------------------------- links


ROUND_TRIPS = [
    "surface=network&dataset=moons&hidden=16,16&activation=tanh&directions=pca&direction_seed=0",
    "surface=network&dataset=spiral&normalization=minmax&hidden=16,16,16&activation=relu&batch_size=32"
    "&optimizer=momentum&lr=0.05&momentum=0.8&scheduler=cosine&steps=500&seed=3&directions=random"
    "&direction_seed=7&pin=lr:0.5&pin=dataset:xor&lang=ko&embed=1",  # a new data set: the full batch
    "preset=network-descent",
    "preset=network-too-large-rate&lr=0.3&pin=none",
    "preset=network-batch-size&directions=random&direction_seed=2",
]


@pytest.mark.parametrize("query", ROUND_TRIPS)
def test_a_network_link_round_trips(query):
    state, notices = decode(query)
    assert notices == [] and state.network is not None
    assert encode(state) == query
    assert decode(encode(state)) == (state, [])


def test_a_network_link_carries_every_setting():
    state, _ = decode(ROUND_TRIPS[1])
    view = state.network
    assert view.current == NetworkConfig(
        dataset="spiral", normalization="minmax", hidden=(16, 16, 16), activation="relu", batch_size=32,
        optimizer="momentum", lr=0.05, optimizer_params={"momentum": 0.8}, scheduler="cosine", steps=500, seed=3,
    )  # fmt: skip
    assert (view.directions, view.direction_seed, state.lang, state.embed) == ("random", 7, "ko", True)
    assert [p.lr for p in view.pinned] == [0.5, 0.05] and view.pinned[1].dataset == "xor" and view.pinned[1].batch_size is None


def test_the_page_a_network_link_opens_sends_that_link_back():
    query = ROUND_TRIPS[1]
    out = answer(request_of(query, steps=100))
    assert decode(out["url"])[0].network.current.steps == 100
    state, _ = decode(out["url"])
    assert encode(state) == out["url"].lstrip("?")
    assert len(state.network.pinned) == 2  # the pins travel with the page's Store


@pytest.mark.parametrize(
    ("query", "key", "allowed"),
    [
        ("surface=network&hidden=0,99", "hidden", "1 to 3 layers of 1 to 16 units"),
        ("surface=network&dataset=mnist", "dataset", "one of moons"),
        ("surface=network&batch_size=500", "batch_size", "[1, 200]"),
        ("surface=network&activation=gelu", "activation", "tanh, relu"),
        ("surface=network&directions=up", "directions", "pca, random"),
        ("surface=network&direction_seed=x", "direction_seed", "an integer"),
        ("surface=network&start=1,2", "start", "no start point"),
        ("preset=network-descent&lr=abc", "lr", "a number in"),
        ("surface=network&pin=hidden:99", "pin", "for hidden"),
    ],
)
def test_a_bad_value_in_a_link_is_repaired_with_a_notice(query, key, allowed):
    state, notices = decode(query)
    assert state.network is not None
    assert [n.key for n in notices] == [key] and allowed in notices[0].allowed
    assert notices[0].message("ko")
    defaults = decode("surface=network")[0].network if "preset" not in query else decode("preset=network-descent")[0].network
    assert state.network.current == defaults.current and state.network.pinned == ()


def test_a_two_d_link_is_not_a_network_link():
    notices = []
    assert decode_network([("surface", "bowl"), ("lr", "0.3")], notices, str) is None and notices == []
    assert decode("preset=overshooting")[0].network is None
    assert encode(decode("surface=network")[0]).startswith("surface=network&dataset=moons")


def test_a_network_lesson_or_a_language_opens_its_page():
    flags = {"lang": "ko", "embed": False, "preset": None}
    assert network_target("preset", "network-batch-size", "ko", "", flags) == "/?preset=network-batch-size&lang=ko"
    assert network_target("preset", "overshooting", "en", "", flags) is None  # a 2-D lesson: app.navigation's
    # a language keeps every network setting of the page's address
    search = "?" + ROUND_TRIPS[1].replace("&lang=ko", "")
    target = navigation_target("lang", None, "ko", search, flags)
    assert decode(target.removeprefix("/?")) == (decode(ROUND_TRIPS[1])[0], [])
