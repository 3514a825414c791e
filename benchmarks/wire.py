"""Bytes on the wire for a first and a second visit of the default page (issue 16).

Replays, through the Flask test client, what a browser fetches: the page, every script and
style it links, /_dash-layout and /_dash-dependencies, the favicon, the chunks that
dash-core-components loads lazily for the components on the page (plotly.min.js among them),
and the first callbacks (every server callback that fires on load, with the layout's values).
Each response counts its body as sent plus its status line and headers.

- first visit, sent `Accept-Encoding: gzip, br`: < 2 MB. The baseline is the same visit
  without Accept-Encoding (what every visit cost before compression was turned on). Printed
  for the process's first student and for any later one, whose bundles come from the store,
  brotli'd denser (app.factory.BundleCache).
- first visit, sent `Accept-Encoding: gzip, deflate` (Chromium over plain HTTP): < 2 MB.
- second visit: a browser cache replayed from the first visit's headers. A fresh response
  (max-age) is not asked for again; one with an ETag or Last-Modified is asked with
  If-None-Match / If-Modified-Since; the rest (page, layout, callbacks) is fetched again.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from benchmarks.report import Row

ASKED = "gzip, br"
# Chromium asks for brotli only from secure origins (HTTPS, localhost): a classroom server on
# plain http://<lan address> gets gzip.
PLAIN_HTTP = "gzip, deflate"
FIRST_VISIT_TARGET = 2_000_000

# dcc component type -> the async-<name>.js chunks its lazy loader fetches (dcc/__init__.py
# lists them; the mapping is in each component's source).
LAZY_CHUNKS = {
    "Graph": ("graph",),
    "Dropdown": ("dropdown",),
    "Slider": ("slider",),
    "RangeSlider": ("slider",),
    "Upload": ("upload",),
    "Markdown": ("markdown",),
    "DatePickerSingle": ("datepicker",),
    "DatePickerRange": ("datepicker",),
}
PLOTLY = "plotly/package_data/plotly.min.js"  # what dcc.Graph would fetch lazily
PAGE_PLOTLY = re.compile(r"/plotly[^/]*\.js$")


@dataclass
class Visit:
    """What one visit cost: bytes received, requests made, and the cache it leaves behind."""

    received: int = 0
    requests: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    not_modified: int = 0
    from_cache: int = 0

    def add(self, kind: str, response) -> None:
        size = wire_bytes(response)
        self.received += size
        self.requests += 1
        self.by_kind[kind] = self.by_kind.get(kind, 0) + size
        self.not_modified += response.status_code == 304


def wire_bytes(response) -> int:
    """Status line, headers and body as sent (the test client does not decode the body)."""
    head = len(f"HTTP/1.1 {response.status}\r\n") + sum(len(f"{k}: {v}\r\n") for k, v in response.headers.items()) + 2
    return head + len(response.get_data())


def page_resources(html: str) -> list[str]:
    """The scripts and styles the page links, in order (the favicon too)."""
    links = re.findall(r'<(?:script|link)[^>]*?(?:src|href)="([^"]+)"', html)
    return list(dict.fromkeys(links))


def lazy_resources(layout, prefix: str) -> list[str]:
    """The chunks dash-core-components fetches once the layout's components mount."""
    chunks: set[str] = set()
    mathjax = False

    def walk(node) -> None:
        nonlocal mathjax
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            if node.get("namespace") == "dash_core_components":
                chunks.update(LAZY_CHUNKS.get(node.get("type"), ()))
                mathjax = mathjax or bool((node.get("props") or {}).get("mathjax"))
            for value in node.values():
                walk(value)

    walk(layout)
    if mathjax:
        chunks.add("mathjax")
    urls = [f"{prefix}_dash-component-suites/dash/dcc/async-{name}.js" for name in sorted(chunks)]
    if "graph" in chunks:
        urls.append(f"{prefix}_dash-component-suites/{PLOTLY}")
    return urls


def first_callbacks(shape) -> list[dict]:
    """The server callbacks the renderer fires on load, as request bodies."""
    return [shape.body(d, {}, changed=[]) for d in shape.server_callbacks() if not d.get("prevent_initial_call")]


class Browser:
    """A browser's HTTP cache over the Flask test client: enough to replay a second visit."""

    def __init__(self, client, encodings: str | None) -> None:
        self.client = client
        self.headers = {"Accept-Encoding": encodings} if encodings else {}
        self.cache: dict[str, dict] = {}  # url -> {"fresh": bool, "etag": ..., "modified": ...}

    def get(self, visit: Visit, kind: str, url: str):
        entry = self.cache.get(url)
        if entry and entry["fresh"]:
            visit.from_cache += 1
            return None
        headers = dict(self.headers)
        if entry and entry["etag"]:
            headers["If-None-Match"] = entry["etag"]
        if entry and entry["modified"]:
            headers["If-Modified-Since"] = entry["modified"]
        response = self.client.get(url, headers=headers)
        assert response.status_code in (200, 304), (url, response.status_code)
        visit.add(kind, response)
        if response.status_code == 200:
            self.remember(url, response)
        return response

    def remember(self, url: str, response) -> None:
        control = response.cache_control
        fresh = bool(control.max_age) and not control.no_cache and not control.no_store
        etag, modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
        if fresh or etag or modified:
            self.cache[url] = {"fresh": fresh, "etag": etag, "modified": modified}

    def post(self, visit: Visit, body: dict) -> None:
        response = self.client.post(
            "/_dash-update-component", data=json.dumps(body), content_type="application/json", headers=self.headers
        )
        assert response.status_code in (200, 204), response.status_code
        visit.add("callbacks", response)


def visit(browser: Browser, shape, prefix: str = "/") -> Visit:
    """One page load: the page, what it links, layout, dependencies, lazy chunks, callbacks."""
    done = Visit()
    browser.get(done, "page", prefix)
    for url in shape.page_links:  # the page's links (read from an uncompressed copy)
        browser.get(done, "scripts and styles", url)
    browser.get(done, "layout and dependencies", prefix + "_dash-layout")
    browser.get(done, "layout and dependencies", prefix + "_dash-dependencies")
    # plotly.js is one of the page's own scripts now (app/factory.py: app/vendor's build, under
    # a fingerprinted name, plotly.v4_1_1m....min.js): dcc.Graph does not fetch its own copy.
    plotly_linked = any(PAGE_PLOTLY.search(url) for url in shape.page_links)
    for url in lazy_resources(shape.layout, prefix):
        if not (plotly_linked and url.endswith(PLOTLY)):
            browser.get(done, "lazy chunks", url)
    for body in first_callbacks(shape):
        browser.post(done, body)
    return done


def app_shape():
    from benchmarks.server import app_and_shape

    app, client, shape = app_and_shape()
    shape.layout = client.get("/_dash-layout").get_json()
    shape.page_links = page_resources(client.get("/").get_data(as_text=True))
    return app, shape


def breakdown(done: Visit) -> str:
    return ", ".join(f"{kind} {kb(size)}" for kind, size in done.by_kind.items())


def kb(size: int) -> str:
    return f"{size / 1000:.0f} KB" if size < 1e6 else f"{size / 1e6:.2f} MB"


def run(args) -> list[Row]:
    app, shape = app_shape()
    rows = []
    visits = {}
    for encodings in (None, ASKED, PLAIN_HTTP):
        browser = Browser(app.server.test_client(), encodings)
        visits[encodings] = (visit(browser, shape), visit(browser, shape))
    (plain, plain_again), (packed, packed_again) = visits[None], visits[ASKED]
    gzipped = visits[PLAIN_HTTP][0]
    # every student after the first: the stored bundles were brotli'd denser (app.factory)
    later = visit(Browser(app.server.test_client(), ASKED), shape)
    bundle = next(u for u in shape.page_links if "dash_renderer" in u)
    headers = app.server.test_client().get(bundle, headers={"Accept-Encoding": ASKED}).headers
    first_visits = (
        (ASKED, packed, f"{packed.requests} requests; uncompressed {kb(plain.received)}; {breakdown(packed)}"),
        (f"{ASKED}, any student after the first", later, breakdown(later)),
        (f"{PLAIN_HTTP} (plain HTTP)", gzipped, breakdown(gzipped)),
    )
    for asked, done, note in first_visits:
        rows.append(
            Row(
                f"wire: first visit, Accept-Encoding: {asked}",
                done.received,
                FIRST_VISIT_TARGET,
                ratio=plain.received / done.received,
                unit="bytes",
                note=note,
            )
        )
    rows.append(
        Row(
            "wire: second visit (browser cache from the first)",
            packed_again.received,
            ratio=packed.received / packed_again.received,
            unit="bytes",
            note=(
                f"{packed_again.from_cache} served from cache, {packed_again.not_modified} answered 304, "
                f"{packed_again.requests - packed_again.not_modified} fetched again ({breakdown(packed_again)}); "
                f"uncompressed {kb(plain_again.received)}; a bundle's headers: "
                f"Cache-Control {headers.get('Cache-Control')}, Content-Encoding {headers.get('Content-Encoding')}"
            ),
        )
    )
    return rows
