"""The classroom's gunicorn settings (app/gunicorn_conf.py), read as gunicorn reads them, and
a live server that keeps a connection open across a student's pauses (issue 13, point 8)."""

from __future__ import annotations

import http.client
import json
import os
import runpy
import time
from urllib.parse import urlsplit

import pytest
from gunicorn.config import Config
from serving import ROOT, AppShape, serve

from app.links import MAX_QUERY_CHARS
from engine.limits import REQUEST_BUDGET

CONFIG = ROOT / "app" / "gunicorn_conf.py"
GUNICORN_KEEPALIVE = 2  # gunicorn's default, which dropped 0.2 % of requests
IDLE_GAP = 2.5  # seconds between a student's requests, longer than that default
REQUESTS = 4


def settings(monkeypatch, **env) -> Config:
    """The config file's values as gunicorn applies them, under the given environment."""
    for name in ("HOST", "PORT", "WEB_CONCURRENCY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    config = Config()
    for name, value in runpy.run_path(str(CONFIG)).items():
        if name in config.settings:
            config.set(name, value)  # gunicorn's own validation of each value
    return config


def test_keepalive_outlasts_a_pause_and_timeout_the_heaviest_request(monkeypatch):
    config = settings(monkeypatch)
    assert config.worker_class_str == "gthread"  # the sync worker has no keep-alive at all
    assert config.keepalive > 10 * IDLE_GAP > GUNICORN_KEEPALIVE
    # The budget's units are about a microsecond of CPU: the heaviest request ~1.5 s alone.
    heaviest = REQUEST_BUDGET * 1e-6
    assert config.timeout >= 10 * heaviest
    assert config.graceful_timeout < config.timeout


def test_request_sizes_are_limited_but_hold_the_longest_link(monkeypatch):
    config = settings(monkeypatch)
    assert 2 * MAX_QUERY_CHARS <= config.limit_request_line <= 8190
    assert 20 <= config.limit_request_fields < 100  # gunicorn's default is 100
    assert 2 * MAX_QUERY_CHARS <= config.limit_request_field_size <= 8190  # the Referer


def test_workers_follow_the_cores_and_the_address_is_loopback_unless_told(monkeypatch):
    config = settings(monkeypatch)
    assert config.workers == 2 * len(os.sched_getaffinity(0))
    assert config.threads == 2
    assert config.bind == ["127.0.0.1:8050"]
    # gunicorn alone would bind 0.0.0.0 when PORT is set; the config keeps loopback.
    config = settings(monkeypatch, PORT="9000", WEB_CONCURRENCY="3")
    assert config.bind == ["127.0.0.1:9000"] and config.workers == 3
    config = settings(monkeypatch, HOST="0.0.0.0", PORT="9001")
    assert config.bind == ["0.0.0.0:9001"]


@pytest.fixture(scope="module")
def server():
    # The tests' own --bind 127.0.0.1:0 and --workers override the file; keep-alive does not.
    with serve(workers=1, extra=["--config", str(CONFIG)]) as running:
        yield running


def test_one_connection_serves_a_student_who_pauses_between_clicks(server):
    """GET and POST on one kept-alive connection, IDLE_GAP apart: no request fails or reconnects."""
    shape = AppShape.fetch(server.url)
    body = json.dumps(shape.body(shape.callback("contour.figure")))
    address = urlsplit(server.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    requests = [("GET", "/", None), ("POST", "/_dash-update-component", body)] * (REQUESTS // 2)
    local = None
    try:
        for index, (method, path, payload) in enumerate(requests):
            if index:
                time.sleep(IDLE_GAP)
            headers = {"Content-Type": "application/json"} if payload else {}
            # A closed connection fails here (RemoteDisconnected): http.client never retries.
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            response.read()
            assert response.status == 200, (method, path, response.status)
            assert response.getheader("Connection", "").lower() != "close"
            if local is None:
                local = connection.sock.getsockname()
            assert connection.sock.getsockname() == local  # the same socket all along
    finally:
        connection.close()
    assert server.alive()
