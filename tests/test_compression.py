"""What a classroom's browsers get on the wire: compressed answers and bundles they can keep."""

import gzip
import json
import re

import brotli
import pytest

from app import create_app
from tests.serving import AppShape

PLOTLY = "/_dash-component-suites/app.vendor/plotly.min.js"  # the page's plotly.js (app/vendor)
BROWSER = {"Accept-Encoding": "gzip, deflate, br"}


@pytest.fixture(scope="module")
def client():
    return create_app().server.test_client()


@pytest.fixture(scope="module")
def page_links(client):
    html = client.get("/").get_data(as_text=True)
    return re.findall(r'<(?:script|link)[^>]*?(?:src|href)="([^"]+)"', html)


def decoded(response) -> bytes:
    body = response.get_data()
    encoding = response.headers.get("Content-Encoding")
    return {"br": brotli.decompress, "gzip": gzip.decompress, None: bytes}[encoding](body)


def test_plotly_bundle_is_sent_compressed_when_asked_and_decodes_to_the_same_file(client):
    plain = client.get(PLOTLY)
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    packed = client.get(PLOTLY, headers={"Accept-Encoding": "gzip, br"})
    assert packed.headers["Content-Encoding"] == "br"
    assert len(packed.get_data()) < len(plain.get_data()) / 3
    assert decoded(packed) == plain.get_data()
    assert "Accept-Encoding" in packed.headers["Vary"]
    # A browser that speaks only gzip gets gzip; the second request (from the cache) is the same.
    for _ in range(2):
        only_gzip = client.get(PLOTLY, headers={"Accept-Encoding": "gzip"})
        assert only_gzip.headers["Content-Encoding"] == "gzip"
        assert decoded(only_gzip) == plain.get_data()
    # Stored bundles are brotli'd once more, denser than the level every answer gets: the
    # next browser downloads ~10 % less of plotly.js, the same file.
    again = client.get(PLOTLY, headers={"Accept-Encoding": "gzip, br"})
    assert decoded(again) == plain.get_data()
    assert len(again.get_data()) < 0.95 * len(brotli.compress(plain.get_data(), quality=4))
    assert int(again.headers["Content-Length"]) == len(again.get_data())


def test_compressed_answers_keep_the_security_headers(client):
    response = client.get("/", headers=BROWSER)
    assert response.headers["Content-Encoding"] == "br"
    for header in ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy"):
        assert header in response.headers
    assert b"Descent Lab" in decoded(response)


def test_callback_answers_are_compressed_but_tiny_ones_are_not(client):
    shape = AppShape(client.get("/_dash-dependencies").get_json())
    shape._collect(client.get("/_dash-layout").get_json())

    def answer(output: str):
        body = shape.body(shape.callback(output), {}, changed=[])
        return client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json", headers=BROWSER)

    figures = answer("contour.figure")
    assert figures.status_code == 200 and figures.headers["Content-Encoding"] == "br"
    assert "contour" in json.loads(decoded(figures))["response"]
    tiny = answer("formula-controls.hidden")  # two booleans: under a hundred bytes
    assert tiny.status_code == 200 and len(tiny.get_data()) < 500
    assert "Content-Encoding" not in tiny.headers


def test_fingerprinted_bundles_and_assets_may_be_reused_without_asking(client, page_links):
    bundles = [url for url in page_links if url.startswith("/_dash-component-suites/")]
    assets = [url for url in page_links if url.startswith("/assets/")]
    assert bundles and assets
    for url in bundles + assets:
        response = client.get(url, headers=BROWSER)
        assert response.status_code == 200
        control = response.cache_control
        assert control.max_age >= 30 * 24 * 3600 and not control.no_cache and not control.no_store, url


def test_lazy_chunks_and_assets_are_revalidated_with_a_304(client):
    # plotly.min.js has a fixed URL (no version in it): the browser keeps it and asks again.
    first = client.get(PLOTLY, headers=BROWSER)
    etag = first.headers["ETag"]
    again = client.get(PLOTLY, headers={**BROWSER, "If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    # An asset under assets/ is streamed compressed; its compressed ETag still validates.
    first = client.get("/assets/style.css", headers=BROWSER)
    assert first.headers["Content-Encoding"] == "br"
    again = client.get("/assets/style.css", headers={**BROWSER, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
