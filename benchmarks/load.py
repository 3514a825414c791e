"""A class at once: 50 clients on loopback against gunicorn with 2 workers, for 20 s.

Half the clients open the same lesson (the same ?preset= page: identical main-callback
requests, answered from the per-process memo after each worker's first); the other half each
move the learning rate to values of their own (fresh answers). Every client loops: one main
callback request, then the next, with no think time. Counted: errors (any status but 200 or a
failed request), latency p95, throughput, and the memo's hit rate from the X-Descent-Cache
header of the answers.

gunicorn is started with tests/serving.py's starter (a free port, always stopped).
"""

from __future__ import annotations

import statistics
import threading
import time

import requests

from benchmarks.report import Row
from benchmarks.server import p95

CLIENTS = 50
SECONDS = 20.0
WORKERS = 2
P95_TARGET = 1.0
LESSON = "overshooting"


def run(args) -> list[Row]:
    from app.lessons import LESSONS
    from app.runs import config_to_dict
    from tests.serving import AppShape, post_callback, serve

    lesson = LESSONS.get(LESSON) or next(iter(LESSONS.values()))
    lesson_config = config_to_dict(lesson.runs[-1])
    lesson_values = {
        "surface": lesson_config["surface"],
        "optimizer": lesson_config["optimizer"],
        "lr": lesson_config["lr"],
        "steps": lesson_config["steps"],
        "pinned": [config_to_dict(c) for c in lesson.runs[:-1]],
    }
    latencies: list[float] = []
    errors: list[str] = []
    caches = {"hit": 0, "miss": 0, None: 0}
    lock = threading.Lock()
    with serve(workers=WORKERS) as server:
        shape = AppShape.fetch(server.url)
        dependency = shape.callback("contour.figure")
        stop = time.monotonic() + SECONDS

        def client(number: int) -> None:
            session = requests.Session()
            i = 0
            while time.monotonic() < stop:
                if number % 2 == 0:  # the lesson everyone opens
                    body = shape.body(dependency, lesson_values, changed=[])
                else:  # a student trying learning rates of their own
                    values = {"lr": round(0.01 + 0.001 * (number * 1000 + i), 6)}
                    body = shape.body(dependency, values, changed=["lr.value"])
                i += 1
                start = time.perf_counter()
                try:
                    response = post_callback(session, server.url, body)
                    ok = response.status_code == 200
                    state = response.headers.get("X-Descent-Cache")
                    failure = None if ok else f"HTTP {response.status_code}"
                except requests.RequestException as error:
                    ok, state, failure = False, None, type(error).__name__
                elapsed = time.perf_counter() - start
                with lock:
                    latencies.append(elapsed)
                    caches[state if state in caches else None] += 1
                    if not ok:
                        errors.append(failure)

        threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(CLIENTS)]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(SECONDS + 30)
        duration = time.monotonic() - began
        alive = server.alive()
    total = len(latencies)
    answered = caches["hit"] + caches["miss"]
    hit_rate = 100 * caches["hit"] / answered if answered else 0.0
    note = (
        f"{total} requests in {duration:.1f} s ({total / duration:.0f} /s), median "
        f"{statistics.median(latencies) * 1000:.0f} ms; memo hits {caches['hit']}, misses {caches['miss']}"
        f" (half the clients repeat one lesson); gunicorn alive after: {alive}"
    )
    return [
        Row(f"load: {CLIENTS} clients, {WORKERS} workers, {SECONDS:.0f} s, errors", len(errors), 1, unit="count"),
        Row("load: request latency p95", p95(latencies) if latencies else float("inf"), P95_TARGET, note=note),
        Row("load: throughput", total / duration, unit="/s"),
        Row("load: memo hit rate", hit_rate, unit="%"),
    ]
