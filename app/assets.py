"""Where the page's static files live: Dash serves them, the offline export inlines them."""

from pathlib import Path

ASSETS = Path(__file__).resolve().parent.parent / "assets"
