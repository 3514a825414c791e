"""Safe defaults for serving a classroom: capped requests and security headers.

Framing is allowed from anywhere by default so slides (reveal.js, any iframe) can embed the
page; set DESCENT_LAB_FRAME_ANCESTORS (a CSP frame-ancestors list such as
"'self' https://slides.example.org") to restrict it.
"""

from __future__ import annotations

import os

from flask import Flask

from app.upload import UPLOAD_REQUEST_BYTES

# A control change posts a few kilobytes; the largest request is a CSV upload at its cap.
MAX_REQUEST_BYTES = UPLOAD_REQUEST_BYTES


def content_security_policy(frame_ancestors: str) -> str:
    # Dash renders with inline scripts/styles and Plotly evaluates no strings; 'unsafe-eval' is
    # still needed by plotly.js's 3D (regl) shaders.
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            f"frame-ancestors {frame_ancestors}",
        ]
    )


def harden(server: Flask) -> None:
    server.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    frame_ancestors = os.environ.get("DESCENT_LAB_FRAME_ANCESTORS", "*").strip() or "*"
    policy = content_security_policy(frame_ancestors)

    @server.after_request
    def add_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("Content-Security-Policy", policy)
        return response
