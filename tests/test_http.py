"""HTTP fuzz against the real app under gunicorn (2 workers, 127.0.0.1), and serving defaults.

Random queries on GET / and /_dash-layout (the page's query also arrives as the Referer, which
is how Dash's renderer asks for the layout), random and malformed callback requests, the real
main callback with garbage values, every other callback with odd values, bodies over the cap.
Every answer is a page (200/204) or a 4xx, never a 500; the server stays up and logs no
traceback. A few thousand requests in all.
"""

from __future__ import annotations

import functools
import json
import math
import random
import re
import subprocess
import sys
from urllib.parse import quote

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from serving import REQUEST_TIMEOUT, ROOT, AppShape, post_callback, serve, strict_json

from app import security

QUERY_EXAMPLES = 100  # x 3 requests
RANDOM_JSON_EXAMPLES = 60
GARBLED_EXAMPLES = 120
HTTP = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.fixture(scope="module")
def server():
    with serve(workers=2) as running:
        yield running


@pytest.fixture(scope="module")
def session():
    with requests.Session() as s:
        yield s


@pytest.fixture(scope="module")
def shape(server, session):
    return AppShape.fetch(server.url, session)


@pytest.fixture(scope="module")
def main_body(shape):
    return shape.body(shape.callback("contour.figure"))


def assert_page_or_4xx(response: requests.Response, what: str = "", server=None) -> None:
    if response.status_code >= 500:
        log = server.log()[-4000:] if server is not None else ""
        raise AssertionError(f"{what}: {response.status_code} {response.text[:300]}\n{log}")
    assert response.status_code in (200, 204) or 400 <= response.status_code < 500, what


def send_raw(session, method: str, url: str, **kwargs) -> requests.Response:
    """A request whose URL goes out exactly as written (requests would re-quote it)."""
    prepared = session.prepare_request(requests.Request(method, "http://127.0.0.1/", **kwargs))
    prepared.url = url
    return session.send(prepared, timeout=REQUEST_TIMEOUT)


# --------------------------------------------------------------------------- random queries

KEYS = (
    "surface", "optimizer", "lr", "scheduler", "batch_size", "normalization", "steps", "start",
    "seed", "pin", "preset", "lang", "embed", "betas", "momentum", "eps", "amsgrad", "gamma",
    "T_max", "max_lr", "mode", "plateau.eps", "adam.betas", "LR", "Surface", "x", "", "formula",
)  # fmt: skip
VALUES = st.one_of(
    st.sampled_from([
        "nan", "inf", "-inf", "1e400", "1" * 400, "auto", "none", "full", "0.1", "1e-9", "10", "1,2",
        "1,2,3", ";", "lr:0.3;momentum:0.9", "lr:nan", "surface:linreg;batch_size:1", "%", "%zz",
        "%ff%fe", "%00", "%C3%A9", "é", "한국어", "true", "0", "-0", "rosenbrock", "adam", "ko",
        "overshooting", "x**2+y**2", "__import__('os')", "\x7f",
    ]),  # fmt: skip
    st.text(max_size=30),
    st.integers(-(10**30), 10**30).map(str),
    st.floats().map(repr),
)


@st.composite
def queries(draw) -> str:
    """A query string: known and unknown keys, odd values, bad escapes, sometimes very long."""
    parts = []
    for _ in range(draw(st.integers(0, 12))):
        key = draw(st.one_of(st.sampled_from(KEYS), st.text(max_size=6)))
        value = draw(VALUES)
        style = draw(st.integers(0, 3))
        if style == 0:  # raw: may hold bad escapes, which the app must read as text
            value = "".join(c if 0x21 <= ord(c) < 0x7F and c not in "#&" else quote(c) for c in value)
            parts.append(f"{quote(key)}={value}")
        elif style == 1:
            parts.append(quote(key))  # a key without '='
        else:
            parts.append(f"{quote(key, safe='.')}={quote(value, safe=',:;')}")
    if draw(st.integers(0, 19)) == 0:  # past MAX_QUERY_CHARS, sometimes past gunicorn's line limit
        parts.append("pin=" + "lr:0.1;" * draw(st.integers(500, 1200)))
    return "&".join(parts)


@settings(HTTP, max_examples=QUERY_EXAMPLES)
@given(query=queries())
def test_any_query_gives_the_page_or_a_4xx(server, session, query):
    page = send_raw(session, "GET", f"{server.url}/?{query}")
    assert_page_or_4xx(page, f"GET /?{query[:200]}")
    # The renderer asks for the layout with the page's address as the Referer ...
    layout = session.get(f"{server.url}/_dash-layout", headers={"Referer": f"{server.url}/?{query}"}, timeout=REQUEST_TIMEOUT)
    assert_page_or_4xx(layout, f"layout for ?{query[:200]}")
    if layout.status_code == 200:
        strict_json(layout.text)  # no NaN or Infinity in any Store or figure of the page
    # ... and the layout route reads its own query first.
    direct = send_raw(session, "GET", f"{server.url}/_dash-layout?{query}")
    assert_page_or_4xx(direct, f"GET /_dash-layout?{query[:200]}")
    if direct.status_code == 200:
        strict_json(direct.text)


def test_odd_paths_and_methods(server, session):
    for method, path in [
        ("GET", "/_dash-layout/../../etc/passwd"),
        ("GET", "/_dash-component-suites/dash/../../../etc/passwd"),
        ("GET", "/%ff%fe"),
        ("GET", "/" + "a" * 3000),
        ("POST", "/"),
        ("PUT", "/_dash-update-component"),
        ("DELETE", "/_dash-layout"),
        ("GET", "/_dash-update-component"),
        ("POST", "/_dash-layout"),
        ("GET", "/_reload-hash"),
    ]:
        assert_page_or_4xx(send_raw(session, method, server.url + path), f"{method} {path}")


# --------------------------------------------------------------------------- callback requests

JSON_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**20), 10**20),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=12),
    ),
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)),
    max_leaves=16,
)
GARBAGE_VALUES = st.one_of(
    JSON_VALUES,
    st.sampled_from([math.nan, math.inf, -math.inf, 10**400, -(10**400), "x" * 20_000, [[[[[]]]]], {"": {}}]),
)


@settings(HTTP, max_examples=RANDOM_JSON_EXAMPLES)
@given(body=st.one_of(
    JSON_VALUES,
    st.fixed_dictionaries(
        {},
        optional={
            "output": st.one_of(st.text(max_size=20), st.sampled_from(["..lr.value...lr-slider.value..", "pinned.data", "copy-link.content"]), JSON_VALUES),
            "outputs": JSON_VALUES,
            "inputs": JSON_VALUES,
            "state": JSON_VALUES,
            "changedPropIds": JSON_VALUES,
        },
    ),
))  # fmt: skip
def test_random_json_callback_requests_get_a_4xx(server, session, body):
    response = session.post(server.url + "/_dash-update-component", data=json.dumps(body), headers={"Content-Type": "application/json"}, timeout=REQUEST_TIMEOUT)
    assert_page_or_4xx(response, json.dumps(body)[:300])


def _malformed(body: dict, shape: AppShape) -> dict[str, object]:
    """Hand-made wrong requests: missing fields, wrong types, wrong lengths, wrong ids."""
    without = {key: {k: v for k, v in body.items() if k != key} for key in body}
    first = body["inputs"][0]
    clientside = next(d for d in shape.dependencies if d.get("clientside_function"))
    return {
        "empty object": {},
        "a list": [body],
        "null": None,
        "a string": "output",
        **{f"no {key}": value for key, value in without.items()},
        "unknown output": {**body, "output": "nope.value"},
        "clientside output": {**body, "output": clientside["output"]},
        "output not a string": {**body, "output": ["contour.figure"]},
        "inputs an object": {**body, "inputs": {"surface": "bowl"}},
        "inputs short": {**body, "inputs": body["inputs"][:-1]},
        "inputs long": {**body, "inputs": [*body["inputs"], first]},
        "input entry a string": {**body, "inputs": ["surface", *body["inputs"][1:]]},
        "input entry wrong id": {**body, "inputs": [{**first, "id": "lr"}, *body["inputs"][1:]]},
        "input entry no property": {**body, "inputs": [{"id": first["id"], "value": "bowl"}, *body["inputs"][1:]]},
        "state null": {**body, "state": None},
        "state entries null": {**body, "state": [None] * len(body["state"])},
        "outputs a number": {**body, "outputs": 5},
        "outputs short": {**body, "outputs": body["outputs"][:3]},
        "outputs wrong property": {**body, "outputs": [{**body["outputs"][0], "property": "nope"}, *body["outputs"][1:]]},
        "changedPropIds a number": {**body, "changedPropIds": 7},
        "changedPropIds of lists": {**body, "changedPropIds": [["lr.value"]]},
        "pattern list of strings": {
            **body,
            "inputs": [entry if not isinstance(entry, list) else ["x"] * len(entry) for entry in body["inputs"]],
        },
        "pattern entry wrong type": {
            **body,
            "inputs": [entry if not isinstance(entry, list) else [{**e, "id": {**e["id"], "type": "nope"}} for e in entry] for entry in body["inputs"]],
        },
        "pattern entry unhashable key": {
            **body,
            "inputs": [entry if not isinstance(entry, list) else [{**e, "id": {**e["id"], "name": ["x"]}} for e in entry] for entry in body["inputs"]],
        },
    }


def test_malformed_callback_requests_get_a_4xx(server, session, shape, main_body):
    for name, body in _malformed(main_body, shape).items():
        response = post_callback(session, server.url, body)
        assert_page_or_4xx(response, name, server)
        assert response.status_code in (200, 204) or response.status_code == 400, name
    url = server.url + "/_dash-update-component"
    raw = {
        "not JSON": (b"{bad", "application/json"),
        "not UTF-8": (b"\xff\xfe\x00", "application/json"),
        "deeply nested": (b"[" * 50_000 + b"]" * 50_000, "application/json"),
        "a number beyond floats": (b'{"output": 1e999}', "application/json"),
        "a 5,000-digit integer": (b'{"output": ' + b"7" * 5000 + b"}", "application/json"),
        "text/plain": (json.dumps(main_body).encode(), "text/plain"),
        "a form": (b"output=contour.figure", "application/x-www-form-urlencoded"),
        "no body": (b"", "application/json"),
    }
    for name, (data, content_type) in raw.items():
        response = session.post(url, data=data, headers={"Content-Type": content_type}, timeout=REQUEST_TIMEOUT)
        assert_page_or_4xx(response, name)
        assert 400 <= response.status_code < 500, name


@st.composite
def garbled(draw, body: dict) -> dict:
    """The real main callback request with garbage in some of its values."""
    body = json.loads(json.dumps(body))
    for key in ("inputs", "state"):
        for index, entry in enumerate(body[key]):
            if not draw(st.integers(0, 3)) == 0:
                continue
            if isinstance(entry, list):  # a pattern: garble some values, or the list itself
                choice = draw(st.integers(0, 2))
                if choice == 0:
                    for item in entry:
                        if draw(st.booleans()):
                            item["value"] = draw(GARBAGE_VALUES)
                elif choice == 1:
                    body[key][index] = entry[: draw(st.integers(0, len(entry)))]
                else:
                    body[key][index] = entry[::-1]
            elif entry.get("property") != "id":
                entry["value"] = draw(GARBAGE_VALUES)
    if draw(st.booleans()):
        body["changedPropIds"] = draw(st.lists(st.sampled_from(["lr.value", "surface.value", "x.y", ""]), max_size=3))
    return body


@pytest.fixture(scope="module")
def garbled_bodies(main_body):
    return garbled(main_body)


@settings(HTTP, max_examples=GARBLED_EXAMPLES)
@given(data=st.data())
def test_the_main_callback_with_garbage_values_gives_a_view_or_a_message(server, session, garbled_bodies, data):
    body = data.draw(garbled_bodies)
    response = session.post(
        server.url + "/_dash-update-component",
        data=json.dumps(body),  # NaN and Infinity go out as JSON's unofficial tokens
        headers={"Content-Type": "application/json"},
        timeout=REQUEST_TIMEOUT,
    )
    assert_page_or_4xx(response, json.dumps(body)[:500], server)
    if response.status_code == 200:
        answer = strict_json(response.text)  # nothing the browser's JSON.parse would refuse
        search = answer["response"].get("url", {}).get("search")
        if search is not None:
            assert "nan" not in search.lower() and "inf" not in search.lower()


def test_every_server_callback_answers_its_page_values(server, session, shape):
    """Each callback, asked as the page would first ask it, answers (a view or no update)."""
    for dependency in shape.server_callbacks():
        response = post_callback(session, server.url, shape.body(dependency))
        assert response.status_code in (200, 204), (dependency["output"], response.text[:300])
        if response.status_code == 200:
            strict_json(response.text)


# --------------------------------------------------------------------------- limits and headers


def test_a_request_over_the_cap_is_refused_with_413(server, session, main_body):
    padding = "x" * (security.MAX_REQUEST_BYTES + 1)
    body = {**main_body, "padding": padding}
    try:
        response = post_callback(session, server.url, body)
    except requests.ConnectionError:  # the server may close before the client finishes sending
        pytest.fail("the server dropped the connection instead of answering 413")
    assert response.status_code == 413
    # Just under the cap is read (and refused for its shape only if the shape is wrong).
    fits = {**main_body, "padding": "x" * (security.MAX_REQUEST_BYTES - len(json.dumps(main_body)) - 100)}
    assert post_callback(session, server.url, fits).status_code == 200


def _check_headers(response: requests.Response, frame_ancestors: str = "*") -> None:
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    policy = headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["frame-ancestors"] == frame_ancestors
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"


def test_security_headers_on_the_page_the_layout_and_a_callback(server, session, main_body):
    _check_headers(session.get(server.url + "/", timeout=REQUEST_TIMEOUT))
    _check_headers(session.get(server.url + "/_dash-layout", timeout=REQUEST_TIMEOUT))
    answer = post_callback(session, server.url, main_body)
    assert answer.status_code == 200
    _check_headers(answer)
    _check_headers(post_callback(session, server.url, {}))  # on a refusal too


def test_frame_ancestors_can_be_narrowed(monkeypatch):
    narrow = "'self' https://slides.example.org"
    monkeypatch.setenv("DESCENT_LAB_FRAME_ANCESTORS", narrow)
    from app.factory import create_app

    client = create_app().server.test_client()
    page = client.get("/")
    assert page.status_code == 200
    assert f"frame-ancestors {narrow}" in page.headers["Content-Security-Policy"]
    assert "frame-ancestors *" not in page.headers["Content-Security-Policy"]
    monkeypatch.setenv("DESCENT_LAB_FRAME_ANCESTORS", "  ")  # blank: the default, not an empty list
    client = create_app().server.test_client()
    assert "frame-ancestors *" in client.get("/").headers["Content-Security-Policy"]


# --------------------------------------------------------------------------- serving defaults


def test_python_m_app_help_works():
    done = subprocess.run(
        [sys.executable, "-m", "app", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    for flag in ("--host", "--port", "--debug"):
        assert flag in done.stdout


def test_defaults_are_loopback_and_no_debug(monkeypatch):
    import app.__main__ as entry

    monkeypatch.delenv("HOST", raising=False)
    monkeypatch.delenv("PORT", raising=False)
    args = entry.build_parser().parse_args([])
    assert (args.host, args.port, args.debug) == ("127.0.0.1", 8050, False)
    monkeypatch.setenv("HOST", "0.0.0.0")
    assert entry.build_parser().parse_args([]).host == "0.0.0.0"  # only when asked for
    assert entry.build_parser().parse_args(["--debug"]).debug is True

    # main itself serves what the parser says: without flags, loopback and no debugging.
    monkeypatch.delenv("HOST")
    served = {}

    class FakeApp:
        def run(self, **kwargs):
            served.update(kwargs)

    monkeypatch.setattr(entry, "create_app", FakeApp)
    entry.main([])
    assert served == {"host": "127.0.0.1", "port": 8050, "debug": False}


def test_the_wsgi_app_is_not_in_debug_mode():
    from app.wsgi import server as wsgi_server

    assert wsgi_server.debug is False
    assert wsgi_server.config["MAX_CONTENT_LENGTH"] == security.MAX_REQUEST_BYTES


# --------------------------------------------------------------------------- every other callback

ODD_VALUES = (
    None, True, 0, -1, 1e300, 10**400, -(10**400), math.nan, math.inf, "x", "", [], [1, "a"],
    [None], [{}], {}, {"lang": []}, "?lang=xx&pin=%%", {"points": 5}, {"points": [{}]},
    {"points": [{"x": "a", "y": 10**400, "customdata": [math.nan, "x"]}]},
    {"points": [{"x": 1e300, "y": 0, "customdata": 10**400}]},
)  # fmt: skip
RANDOM_ROUNDS = 6  # per callback and trigger, with about half of the values odd


def _triggers(dependency: dict) -> list[list[str] | None]:
    """changedPropIds naming each plain input in turn: what a callback may branch on."""
    plain = [f"{i['id']}.{i['property']}" for i in dependency["inputs"] if not i["id"].startswith("{")]
    return [[prop] for prop in plain] or [None]


def _value_setters(body: dict) -> list:
    """One setter per value the request carries (a pattern's values count as one; the ids of
    pattern controls are left alone: guard_callbacks checks those)."""
    setters = []
    for entry in (*body["inputs"], *body["state"]):
        items = entry if isinstance(entry, list) else [entry]
        if items and items[0]["property"] != "id":
            setters.append(functools.partial(_set_values, items))
    return setters


def _set_values(items: list[dict], value) -> None:
    for item in items:
        item["value"] = value


def _odd_bodies(shape: AppShape, dependency: dict, rng: random.Random):
    """Requests for one callback, under each of its inputs as the trigger: each value in turn
    set to each odd value, then rounds with about half of the values odd."""
    for changed in _triggers(dependency):
        count = len(_value_setters(shape.body(dependency, changed=changed)))
        for index in range(count):
            for odd in ODD_VALUES:
                body = shape.body(dependency, changed=changed)
                _value_setters(body)[index](odd)
                yield body
        for _ in range(RANDOM_ROUNDS):
            body = shape.body(dependency, changed=changed)
            for set_value in _value_setters(body):
                if rng.random() < 0.5:
                    set_value(rng.choice(ODD_VALUES))
            yield body


def test_every_callback_with_garbage_values_gives_a_page_or_a_4xx(server, session, shape):
    """Odd values for every other server callback: the values are the callbacks' business
    (guard_callbacks checks only the request's shape), so each answers 200 or 204 with
    JSON the browser can parse. About 2,000 requests (a few seconds)."""
    rng = random.Random(0)
    main = shape.callback("contour.figure")["output"]
    failures, sent = [], 0
    for dependency in shape.server_callbacks():
        if dependency["output"] == main:
            continue  # fuzzed above
        for body in _odd_bodies(shape, dependency, rng):
            response = post_callback(session, server.url, body)
            sent += 1
            if response.status_code not in (200, 204):
                failures.append(f"{response.status_code} {json.dumps(body)[:300]}")
            elif response.status_code == 200:
                strict_json(response.text)  # no NaN or Infinity in any answer
    assert sent > 1000
    assert failures == [], "\n".join(failures[:10])


def test_a_parameter_block_holds_the_chosen_owners_controls_whatever_the_request_shows(server, session, shape):
    """The callbacks that build the chosen optimizer's or scheduler's parameter block (the page
    holds that one only) answer its controls whatever controls the request says are shown:
    none, or another owner's holding odd values; an unknown owner gets none; never a 500."""
    from engine import OPTIMIZER_PARAMS, SCHEDULER_PARAMS

    tables = {
        "opt-params.children": ("opt-param", "adam", OPTIMIZER_PARAMS),
        "sched-params.children": ("sched-param", "cyclic", SCHEDULER_PARAMS),
    }
    checked = 0
    for dependency in (d for d in shape.server_callbacks() if d["output"] in tables):
        kind, other, table = tables[dependency["output"]]
        body = shape.body(dependency)
        values, ids = body["state"]
        odd = ([1], {"a": 1}, "x", None)
        moved = [{**e["id"], "owner": "nope"} for e in ids]  # another owner's controls, holding odd values
        stranger = [
            [{**v, "id": m, "value": odd[i % len(odd)]} for i, (v, m) in enumerate(zip(values, moved, strict=True))],
            [{**e, "id": m, "value": m} for e, m in zip(ids, moved, strict=True)],
        ]
        for chosen in (body["inputs"][0]["value"], other, "nope"):
            for state in ([values, ids], [[], []], stranger):
                request = {**body, "inputs": [{**body["inputs"][0], "value": chosen}], "state": state}
                response = post_callback(session, server.url, request)
                assert response.status_code == 200, (dependency["output"], chosen, response.text[:300])
                block = strict_json(response.text)["response"][dependency["output"].split(".")[0]]["children"]
                controls = [c["props"]["children"][1]["props"]["id"] for c in block["props"]["children"]]
                assert controls == [{"type": kind, "owner": chosen, "name": spec.name} for spec in table.get(chosen, ())]
        checked += 1
    assert checked == 2  # the optimizers' and the schedulers' parameter blocks


# --------------------------------------------------------------------------- still standing


def test_the_server_is_still_up_and_logged_no_error(server, session):
    """Last in the module: after everything above, the page still loads and nothing crashed."""
    assert server.alive()
    assert session.get(server.url + "/", timeout=REQUEST_TIMEOUT).status_code == 200
    log = server.log()
    for sign in ("Traceback", "Exception on", "WORKER TIMEOUT", "Worker exiting"):
        assert sign not in log, log[-3000:]


# --------------------------------------------------------------------------- uploads (issue 13)


def test_a_quoted_run_of_spaces_is_answered_over_http_and_the_workers_stay_free(server, session, shape):
    """csv.Sniffer spent 30-50 s on this 87 KB request while holding its worker; now a message."""
    import base64
    from concurrent.futures import ThreadPoolExecutor

    dependency = shape.callback("upload-data.data")
    contents = "data:text/csv;base64," + base64.b64encode(b'"' + b" " * 65_000 + b'"').decode()
    body = shape.body(dependency, {"upload-file": contents}, changed=["upload-file.contents"])
    body["state"][0]["value"] = "spaces.csv"

    def upload(_):
        with requests.Session() as own:  # six at once, as in the report: two workers each
            return post_callback(own, server.url, body)

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(upload, range(6)))
    for answer in answers:
        assert answer.status_code == 200, answer.text[:300]
        error = strict_json(answer.text)["response"]["upload-error"]["children"]
        assert error.startswith("'spaces.csv' holds 0 rows of data"), error
    assert session.get(server.url + "/", timeout=REQUEST_TIMEOUT).status_code == 200
    assert server.alive()


# --------------------------------------------------------------------------- internals (issue 13)


def test_the_cache_counts_and_the_pid_stay_out_of_responses(server, session, main_body):
    answer = post_callback(session, server.url, main_body)
    assert answer.status_code == 200
    assert answer.headers["X-Descent-Cache"] in ("hit", "miss")  # benchmarks/load.py counts these
    assert "X-Descent-Cache-Stats" not in answer.headers
    assert not any("pid=" in value for value in answer.headers.values())


def test_debug_headers_add_the_cache_counts_when_asked_for(monkeypatch):
    from benchmarks.server import app_and_shape, load_body, post

    _, client, shape = app_and_shape()
    body = load_body(shape, {"lr": 0.0177})
    monkeypatch.delenv(security.DEBUG_HEADERS_ENV, raising=False)
    status, _, _, headers = post(client, body)
    assert status == 200 and "X-Descent-Cache-Stats" not in headers
    monkeypatch.setenv(security.DEBUG_HEADERS_ENV, "1")
    status, _, _, headers = post(client, body)
    assert status == 200 and headers["X-Descent-Cache"] == "hit"
    assert re.fullmatch(r"hits=\d+; misses=\d+; pid=\d+", headers["X-Descent-Cache-Stats"])
