"""gunicorn settings for a classroom: `gunicorn -c app/gunicorn_conf.py app.wsgi:server`.

`make serve` runs exactly that. Command-line options override these (the tests bind port 0).
HOST and PORT choose the address (127.0.0.1:8050 unless told otherwise: gunicorn's own default
for a set PORT would be 0.0.0.0); WEB_CONCURRENCY the number of worker processes.
"""

from __future__ import annotations

import os


def _cores() -> int:
    """The cores this process may run on (a container's share, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8050')}"
# The work is CPU-bound NumPy under the GIL: two processes per core keep every core busy while
# one waits on the network; two threads each let a slow request not block the next.
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * _cores())
threads = 2
worker_class = "gthread"  # keep-alive needs it: the sync worker closes every connection
# A student reads the screen between clicks. gunicorn's default 2 s closed idle connections just
# as browsers reused them (0.2 % of requests failed with 1.5-2.5 s gaps, issue 13); 75 s is
# nginx's default and longer than a lecture's pause at one slide.
keepalive = 75
# The heaviest request the budget allows takes about 1.5 s of CPU (engine.limits.REQUEST_BUDGET);
# with a class sharing the cores it may wait several times that. Past 30 s a worker is hung, and
# gunicorn replaces it.
timeout = 30
graceful_timeout = 10
# Requests from the page are small: a link's query is cut at app.links.MAX_QUERY_CHARS (4,000)
# with a notice, so the request line may hold twice that before gunicorn refuses it with a 400
# (8,190 is gunicorn's largest). The page's address also comes back as the Referer header.
limit_request_line = 8190
limit_request_fields = 50  # a browser sends about 15
limit_request_field_size = 8190
