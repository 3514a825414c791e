"""The Code view, the menus' Keras names and the lower view in the link (issue 17).

What the browser gets: the component tree the registered callbacks return and the page the
link opens. The scripts' truth is engine.code's torch_code, which tests/test_torch_reference.py
checks against real PyTorch runs; the Keras names are the registries'.
"""

from __future__ import annotations

import base64
import contextvars
import itertools
import re

import pytest
from dash import dcc, html, no_update
from dash._callback_context import context_value
from dash._utils import AttributeDict

from app.callbacks import URL_SLOT
from app.factory import create_app
from app.i18n import t
from app.layout import page
from app.links import decode, encode
from app.navigation import keep_view, with_view
from app.panels import upload_outputs
from app.runs import config_to_dict
from app.viewstate import ViewState
from engine import SURFACES, RunConfig
from engine.code import keras_code, torch_code
from engine.formula import custom_surface
from engine.network import NetworkConfig
from engine.network.code import network_keras_code, network_torch_code
from engine.optimizers import OPTIMIZERS
from engine.schedules import SCHEDULES

FLAGS = {"lang": "en", "embed": False, "preset": None}
FORMULA = {"formula": "x**2 + 3*sin(y)", "x_range": "-3, 3", "y_range": "-3, 3"}
NO_UPLOAD = (None, None, None)


@pytest.fixture(scope="module")
def registered():
    """The app's Python callbacks by function name, with their callback_map entries."""
    found = {}
    for entry in create_app().callback_map.values():
        function = getattr(entry.get("callback"), "__wrapped__", None)
        if function is not None:
            found[function.__name__] = (function, entry)
    return found


def call(function, *args, **kwargs):
    def run():
        context_value.set(AttributeDict(triggered_inputs=[]))
        return function(*args, **kwargs)

    return contextvars.copy_context().run(run)


def code_view(registered, current, surface="bowl", custom=FORMULA, upload=NO_UPLOAD, lang="en"):
    """The Code view's children and hidden flag, as the browser gets them."""
    show_code, _ = registered["show_code"]
    children, hidden = call(
        show_code, "code", current, surface, custom["formula"], custom["x_range"], custom["y_range"], *upload, {**FLAGS, "lang": lang}
    )
    assert hidden is False
    return html.Div(children)


def by_id(tree, component_id):
    found = [c for c in tree._traverse() if getattr(c, "id", None) == component_id]
    assert len(found) == 1, f"{component_id}: {len(found)} components"
    return found[0]


def texts(tree) -> list[str]:
    return [c.children for c in tree._traverse() if isinstance(c, html.P)]


def copy_targets(tree) -> list[str]:
    return [c.target_id for c in tree._traverse() if isinstance(c, dcc.Clipboard)]


# --------------------------------------------------------------------------- the scripts


@pytest.mark.parametrize(("optimizer", "scheduler"), list(itertools.product(OPTIMIZERS, SCHEDULES)))
def test_the_code_view_prints_the_engines_scripts_for_every_optimizer_and_scheduler(registered, optimizer, scheduler):
    config = RunConfig(optimizer=optimizer, scheduler=scheduler, steps=60)
    tree = code_view(registered, config_to_dict(config))
    torch_block, keras_block = by_id(tree, "code-torch"), by_id(tree, "code-keras")
    assert torch_block.children == torch_code(config)
    assert keras_block.children == keras_code(config)
    assert f"torch.optim.{OPTIMIZERS[optimizer].torch_class}([params]" in torch_block.children
    # Each copy button copies its own block, and both blocks sit in <pre>.
    assert copy_targets(tree) == ["code-torch", "code-keras"]
    pres = [c for c in tree._traverse() if isinstance(c, html.Pre)]
    assert [p.children.id for p in pres] == ["code-torch", "code-keras"]
    # Under Keras, a plain word where Keras has no such scheduler; the script says why.
    torch_about, keras_about = texts(tree)
    assert torch_about == t("code_torch_note", "en")
    if SCHEDULES[scheduler].keras_name is None:
        name = SCHEDULES[scheduler].torch_class
        assert keras_about.startswith(f"No Keras equivalent for {name}: ") and "# No Keras equivalent" in keras_block.children
    else:
        assert keras_about == t("code_keras_notes", "en") and "No Keras equivalent" not in keras_block.children


def test_mini_batches_on_the_data_fit_print_the_data_and_the_batches(registered):
    config = RunConfig(surface="linreg", batch_size=16, normalization="standard", optimizer="adam", lr=0.05)
    tree = code_view(registered, config_to_dict(config))
    assert by_id(tree, "code-torch").children == torch_code(config)
    assert "x = torch.tensor([" in by_id(tree, "code-torch").children


def test_a_lecturers_formula_prints_its_formula(registered):
    config = RunConfig(surface=custom_surface(FORMULA["formula"], ((-3.0, 3.0), (-3.0, 3.0))), lr=0.05)
    current = config_to_dict(config)
    assert current["surface"] == "custom"
    tree = code_view(registered, current, surface="custom")
    script = by_id(tree, "code-torch").children
    assert script == torch_code(config, FORMULA["formula"])
    assert '"""f(x, y) = x**2 + 3*sin(y)"""' in script and "torch.sin(y)" in script
    assert "tf.math.sin(y)" in by_id(tree, "code-keras").children


def test_uploaded_data_says_plainly_that_it_is_numbers_not_a_formula(registered):
    rows = "\n".join(f"{i},{2 * i + 1}" for i in range(12))
    contents = "data:text/csv;base64," + base64.b64encode(f"size,cost\n{rows}\n".encode()).decode()
    table, _, x, _, y, _, error = upload_outputs(contents, "shop.csv")
    assert error == ""
    config = RunConfig(surface="linreg", lr=0.01)  # the Store holds "upload"; the page rebuilds the data
    current = {**config_to_dict(config), "surface": "upload"}
    tree = code_view(registered, current, surface="upload", upload=(table, x, y))
    assert texts(tree)[0] == t("code_upload", "en", rows=12)
    script = by_id(tree, "code-torch").children
    assert "x = torch.tensor([0.0, 1.0, 2.0," in script and "y = torch.tensor([1.0, 3.0, 5.0," in script


def test_korean_page_gets_korean_words_around_the_same_code(registered):
    config = RunConfig(scheduler="onecycle")
    tree = code_view(registered, config_to_dict(config), lang="ko")
    assert by_id(tree, "code-torch").children == torch_code(config)
    assert "OneCycleLR에 해당하는 Keras 기능이 없습니다." in " ".join(texts(tree))
    assert [c.children for c in tree._traverse() if isinstance(c, html.H3)] == ["PyTorch: 그대로 실행됩니다", "Keras 3: 가장 가까운 대응"]


JUNK_STORES = [
    None,
    [],
    "bowl",
    {},
    {"optimizer": "nope"},
    {**config_to_dict(RunConfig()), "lr": "abc"},
    {**config_to_dict(RunConfig()), "steps": 10**9},
    {**config_to_dict(RunConfig()), "surface": "upload"},  # no data sent with it
    {**config_to_dict(RunConfig()), "surface": "custom"},  # an unusable formula
    {**config_to_dict(RunConfig()), "scheduler": "cyclic", "scheduler_params": {"base_lr": 1.0, "max_lr": 0.1}},
    {**config_to_dict(RunConfig()), "optimizer_params": [1, 2]},
]


@pytest.mark.parametrize("current", JUNK_STORES)
def test_a_stale_or_tampered_store_gives_a_short_note(registered, current):
    surface = current.get("surface", "bowl") if isinstance(current, dict) else "bowl"
    custom = {"formula": "import os", "x_range": "a, b", "y_range": None}
    tree = code_view(registered, current, surface=surface, custom=custom, upload=("junk", 3, None))
    assert texts(tree) == [t("code_no_run", "en")]
    assert not copy_targets(tree)


# --------------------------------------------------------------------------- the network

NETWORK_REQUEST = dict(
    surface="network", dataset="circles", hidden="8,4", activation="relu", optimizer="rmsprop", lr=0.01,
    scheduler="onecycle", batch_size=50, normalization="x100", steps=30, seed=2, opt_values=[], sched_values=[],
    opt_ids=[], sched_ids=[], pinned=[], directions="pca", direction_seed=0,
)  # fmt: skip


def network_store(registered, lang="en", **changed) -> dict:
    """The "current-config" Store the main callback writes for a network request."""
    recompute, entry = registered["recompute"]
    out = call(recompute, last_search="", last_config=None, **{**NETWORK_REQUEST, **changed, "flags": {**FLAGS, "lang": lang}})
    slots = [f"{o.component_id}.{o.component_property}" for o in entry["output"]]
    return out[slots.index("current-config.data")]


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_network_request_gets_the_pytorch_and_keras_scripts_of_its_run(registered, lang):
    current = network_store(registered, lang)
    tree = code_view(registered, current, surface="network", lang=lang)
    # The run the request describes, written out by hand.
    config = NetworkConfig(dataset="circles", hidden=(8, 4), activation="relu", optimizer="rmsprop", lr=0.01,
                           scheduler="onecycle", batch_size=50, normalization="x100", steps=30, seed=2)  # fmt: skip
    assert by_id(tree, "code-torch").children == network_torch_code(config)
    assert by_id(tree, "code-keras").children == network_keras_code(config)
    assert "nn.Linear(2, 8), nn.ReLU()," in by_id(tree, "code-torch").children
    assert copy_targets(tree) == ["code-torch", "code-keras"]
    torch_about, keras_about = texts(tree)
    assert torch_about == t("code_network_torch_note", lang)
    assert keras_about == f"{t('code_no_keras', lang, name='OneCycleLR')} {t('code_keras_notes', lang)}"


def test_a_network_run_with_a_keras_scheduler_has_no_missing_note(registered):
    current = network_store(registered, scheduler="plateau", dataset="house_prices", batch_size="full")
    tree = code_view(registered, current, surface="network")
    assert "callbacks=[plateau]" in by_id(tree, "code-keras").children
    assert "half_mse" in by_id(tree, "code-keras").children
    assert texts(tree)[1] == t("code_keras_notes", "en")


NETWORK_JUNK = [
    None,
    {},
    "network",
    config_to_dict(RunConfig()),  # a 2-D run left over from before the switch
    {"surface": "network", "dataset": "iris"},
    {"surface": "network", "hidden": "abc"},
    {"surface": "network", "hidden": [99]},
    {"surface": "network", "lr": "abc"},
    {"surface": "network", "steps": 10**9},
    {"surface": "network", "batch_size": 10**6},
    {"surface": "network", "optimizer_params": [1, 2]},
    {"surface": "network", "optimizer": "nope"},
    {"surface": "network", "unknown_field": 1},
    {"surface": "network", "scheduler": "cyclic", "scheduler_params": {"base_lr": 1.0, "max_lr": 0.1}},
    {"surface": "network", "optimizer": "adagrad", "scheduler": "onecycle", "scheduler_params": {"cycle_momentum": True}},
]


@pytest.mark.parametrize("current", NETWORK_JUNK)
def test_a_stale_or_tampered_network_store_gives_a_short_note(registered, current):
    tree = code_view(registered, current, surface="network")
    assert texts(tree) == [t("code_no_run", "en")]
    assert not copy_targets(tree)


@pytest.mark.parametrize("view", ["curves", "finder", "map", None, 7])
def test_the_code_view_is_hidden_and_not_written_under_other_views(registered, view):
    show_code, _ = registered["show_code"]
    children, hidden = call(show_code, view, config_to_dict(RunConfig()), "bowl", *FORMULA.values(), *NO_UPLOAD, FLAGS)
    assert children is no_update and hidden is True


def test_the_code_view_hides_the_curves_and_the_explorers(registered):
    explore, _ = registered["explore"]
    out = call(explore, "code", config_to_dict(RunConfig()), None, "bowl", *FORMULA.values(), *NO_UPLOAD, FLAGS)
    assert out[0] is True and out[1] is True  # curves.hidden, explore.hidden
    curves = call(explore, "curves", config_to_dict(RunConfig()), None, "bowl", *FORMULA.values(), *NO_UPLOAD, FLAGS)
    assert curves[0] is False


# --------------------------------------------------------------------------- the menus


def _menu(component_id: str, lang: str = "en") -> dict[str, str]:
    tree = page(ViewState(current=RunConfig(), lang=lang))
    return {o["value"]: o["label"] for o in by_id(tree, component_id).options}


def test_the_menus_name_the_pytorch_and_keras_counterparts():
    optimizers, schedulers = _menu("optimizer"), _menu("scheduler")
    # Written out by hand: what a student who learned either library should read.
    assert optimizers["adam"] == "Adam (torch.optim.Adam · keras.optimizers.Adam)"
    assert optimizers["sgd"] == "SGD (plain gradient descent · torch.optim.SGD · keras.optimizers.SGD)"
    assert schedulers["plateau"] == "Reduce on plateau (ReduceLROnPlateau · Keras callback ReduceLROnPlateau)"
    assert schedulers["step"] == "Step decay (StepLR · Keras ExponentialDecay(staircase=True))"
    assert schedulers["cyclic"] == "Cyclical (CyclicLR · no Keras equivalent)"
    assert list(optimizers) == list(OPTIMIZERS) and list(schedulers) == list(SCHEDULES)


def _words(name: str) -> set[str]:
    """The words of a registry's Keras name a label must show (not its module path)."""
    return set(re.findall(r"\w+", name)) - {"keras", "optimizers", "schedules", "callbacks"}


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_every_menu_entry_carries_its_registry_names(lang):
    no_keras = {"en": "no Keras equivalent", "ko": "Keras 대응 없음"}[lang]
    for menu, registry in (("optimizer", OPTIMIZERS), ("scheduler", SCHEDULES)):
        labels = _menu(menu, lang)
        for name, entry in registry.items():
            label = labels[name]
            if entry.torch_class:
                assert entry.torch_class in label, label
            if menu == "optimizer":
                assert f"torch.optim.{entry.torch_class}" in label and entry.keras_name in label, label
            elif entry.keras_name is None:
                assert no_keras in label, label
            else:
                assert _words(entry.keras_name) <= set(re.findall(r"\w+", label)), label
            assert len(label) <= 90, label  # the menu opens to fit; the chosen one ends in "…"


# --------------------------------------------------------------------------- the link


def _opened(query: str):
    state, notices = decode(query)
    tree = page(state, notices)
    return state, notices, by_id(tree, "lower-view").value, by_id(tree, "explore-second").value, tree


@pytest.mark.parametrize(
    ("query", "second"),
    [("optimizer=momentum&view=map&second=momentum", "momentum"), ("optimizer=adam&lr=0.05&view=map&second=beta1", "beta1"),
     ("preset=schedulers&view=map&second=T_max", "T_max")],
)  # fmt: skip
def test_the_stability_map_and_its_second_setting_round_trip_and_open(registered, query, second):
    state, notices, view, chosen, tree = _opened(query)
    assert notices == [] and (state.lower_view, state.second) == ("map", second)
    assert encode(state) == query
    assert (view, chosen) == ("map", second)
    assert by_id(tree, "curves").hidden is True and by_id(tree, "explore").hidden is False
    # The map then draws against that setting (the explore callback keeps it).
    explore, _ = registered["explore"]
    out = call(explore, view, config_to_dict(state.current), chosen, state.current.surface, *FORMULA.values(), *NO_UPLOAD, FLAGS)
    assert out[1] is False and out[7] == second and out[4]["layout"]["yaxis"]["title"]["text"]


@pytest.mark.parametrize("view", ["finder", "code"])
def test_the_other_views_round_trip(view):
    state, notices, opened, _, tree = _opened(f"preset=overshooting&view={view}")
    assert notices == [] and opened == view and encode(state) == f"preset=overshooting&view={view}"
    assert by_id(tree, "code-view").hidden is (view != "code")


def test_curves_is_the_default_and_is_not_written():
    assert encode(ViewState(current=RunConfig())) == ""
    state, notices, opened, _, _ = _opened("view=curves")
    assert (state.lower_view, opened, notices) == ("curves", "curves", [])
    assert encode(state) == ""


@pytest.mark.parametrize("query", ["view=nonsense", "VIEW=%3Cscript%3E", "view=map&view=nonsense"])
def test_a_tampered_view_gives_the_curves_and_a_notice(query):
    state, notices, opened, _, tree = _opened(query)
    assert (state.lower_view, opened) == ("curves", "curves")
    assert any("expected one of curves, finder, map, code; using curves." in n.message() for n in notices)
    assert by_id(tree, "url-notice").hidden is False


@pytest.mark.parametrize(
    ("query", "words"),
    [("view=finder&second=momentum", "with view=map"),  # a second without the map
     ("optimizer=momentum&view=map&second=beta1", "expected one of momentum; using momentum."),
     ("view=map&second=momentum", "no second setting"),  # plain SGD on the bowl maps none
     ("optimizer=momentum&view=map&second=__import__", "expected one of momentum")],
)  # fmt: skip
def test_a_second_setting_the_run_does_not_offer_is_dropped_with_a_notice(query, words):
    state, notices, _, chosen, _ = _opened(query)
    assert state.second is None and chosen is None
    assert len(notices) == 1 and words in notices[0].message()
    assert notices[0].message("ko")  # and in Korean


def test_the_switch_writes_the_view_into_the_address_and_keeps_the_rest(registered):
    view_address, _ = registered["view_address"]
    assert call(view_address, "map", "momentum", "?preset=overshooting&lr=0.3", "bowl") == "?preset=overshooting&lr=0.3&view=map&second=momentum"
    assert call(view_address, "code", "momentum", "?lr=0.3&view=map&second=momentum", "bowl") == "?lr=0.3&view=code"
    assert call(view_address, "curves", None, "?lr=0.3&view=code", "bowl") == "?lr=0.3"
    assert call(view_address, "curves", None, "?lr=0.3", "bowl") is no_update  # already so
    # The network's address carries its view too, never a second setting (its map picks it on the page).
    assert call(view_address, "code", None, "?surface=network", "network") == "?surface=network&view=code"
    assert call(view_address, "map", "momentum", "?surface=network", "network") == "?surface=network&view=map"
    for junk in ("nonsense", None, 3, ["map"]):
        assert call(view_address, junk, "momentum", "?lr=0.3", "bowl") is no_update
    assert call(view_address, "map", "x&y=1", "", "bowl") == "?view=map"  # only a name is written
    # A formula's address keeps its formula.
    formula = "?lr=0.05&surface=custom&formula=x%2A%2A2&x_range=-3%2C+3&y_range=-3%2C+3"
    assert with_view(formula, "map", None) == formula + "&view=map"


def test_a_network_link_opens_its_view_and_writes_it_back():
    for view in ("code", "finder", "map"):
        state, notices = decode(f"surface=network&dataset=circles&view={view}")
        assert notices == [] and state.network is not None and state.lower_view == view
        assert encode(state).endswith(f"view={view}") and decode(encode(state))[0] == state
    state, notices = decode("preset=network-descent&view=sideways")
    assert state.lower_view == "curves" and [n.key for n in notices] == ["view"]
    assert "view=" not in encode(state)


def test_the_main_callback_keeps_the_view_when_the_run_changes(registered):
    recompute, entry = registered["recompute"]
    assert f"{entry['output'][URL_SLOT].component_id}.{entry['output'][URL_SLOT].component_property}" == "url.search"
    values = dict(surface="bowl", optimizer="momentum", lr=0.05, scheduler="constant", batch_size="full", normalization="none",
                  steps=50, seed=0, opt_values=[], sched_values=[], opt_ids=[], sched_ids=[], pinned=[], flags=FLAGS)  # fmt: skip
    out = call(recompute, last_search="?optimizer=momentum&view=map&second=momentum", **values)
    search = out[URL_SLOT]
    assert search == "?optimizer=momentum&lr=0.05&steps=50&view=map&second=momentum"
    state, notices = decode(search)
    assert notices == [] and (state.lower_view, state.second, state.current.lr) == ("map", "momentum", 0.05)
    # A tampered view in the last address is not carried on.
    out = call(recompute, last_search="?view=nonsense&second=momentum", **values)
    assert out[URL_SLOT] == "?optimizer=momentum&lr=0.05&steps=50"


def test_keep_view_leaves_an_address_it_does_not_write_alone():
    assert keep_view(no_update, "?view=map") is no_update  # uploaded data keeps its address
    assert keep_view("?lr=0.3", None) == "?lr=0.3"
    assert keep_view("", "?view=code") == "?view=code"
    assert keep_view("?lr=0.3", "?view=curves&second=momentum") == "?lr=0.3"


def test_a_lesson_link_opens_the_code_view_drawn_for_its_run(registered):
    state, notices, opened, _, tree = _opened("preset=gradient-descent&view=code")
    assert notices == [] and opened == "code" and by_id(tree, "curves").hidden is True
    script = by_id(code_view(registered, config_to_dict(state.current)), "code-torch").children
    assert script == torch_code(state.current) and SURFACES["bowl"].title in script


def test_the_code_view_of_a_network_link_in_a_browser_shows_its_scripts(dash_duo):
    from browser_helpers import open_page, wait_until

    query = "surface=network&dataset=xor&hidden=8&steps=50&optimizer=sgd&lr=0.1"
    dash_duo.start_server(create_app())
    open_page(dash_duo, query)
    dash_duo.find_element("#lower-view input[value='code']").click()
    expected = network_torch_code(NetworkConfig(dataset="xor", hidden=(8,), steps=50, optimizer="sgd", lr=0.1))
    driver = dash_duo.driver
    text = "return (document.getElementById(arguments[0]) || {}).textContent || '';"
    wait_until(lambda: driver.execute_script(text, "code-torch") == expected, timeout=30, message="the network's PyTorch script")
    assert "keras.Sequential([" in driver.execute_script(text, "code-keras")
    assert dash_duo.find_element("#code-torch-copy").is_displayed()
    assert dash_duo.get_logs() == []
