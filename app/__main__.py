"""`python -m app`: serve Descent Lab on this machine (127.0.0.1:8050 unless told otherwise)."""

from __future__ import annotations

import argparse
import os

from app import create_app


def build_parser() -> argparse.ArgumentParser:
    """The command line: loopback and no debugging unless asked for (HOST/PORT also set them)."""
    parser = argparse.ArgumentParser(prog="python -m app", description=__doc__)
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8050")))
    parser.add_argument(
        "--debug", action="store_true", help="Dash dev tools and reloader: never in a classroom"
    )
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    print(f"Descent Lab: open http://{args.host}:{args.port}/ in a browser", flush=True)
    create_app().run(host=args.host, port=args.port, debug=args.debug)


if __name__ == "__main__":
    main()
