"""Vendored browser code: plotly.js built with only the traces the app draws (plotly.min.js).

Built by `make plotly` (scripts/plotly/build.js, pinned by its package-lock.json); the page loads
it instead of the full plotly.js that ships with plotly.py. `__version__` is the plotly.js
release it was built from: Dash puts it in the bundle's URL, so browsers keep one copy per
release (tests/test_plotly_bundle.py checks it against the bundle and against plotly.py).
"""

from pathlib import Path

__version__ = "4.1.1"
PLOTLY_JS = Path(__file__).with_name("plotly.min.js")


def plotly_js() -> str:
    """The bundle's text, for a page that inlines it (app.export's offline file)."""
    return PLOTLY_JS.read_text(encoding="utf-8")
