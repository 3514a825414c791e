# Descent Lab: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8050
VENV := .venv
BIN := $(VENV)/bin
CHROMIUM ?= /usr/bin/chromium
PYTEST_ARGS ?=

.PHONY: run serve test lint bench screenshots browser plotly clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Descent Lab needs Python 3.11 or newer; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# A stamp per install keeps the second run quick: pip runs again only when pyproject.toml changes.
$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-serve: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[serve]'
	@touch $@ $(VENV)/.installed-run

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(BIN)/python -m app --host $(HOST) --port $(PORT)

# A classroom: gunicorn with app/gunicorn_conf.py (workers from the cores, 75 s keep-alive).
serve: $(VENV)/.installed-serve
	HOST=$(HOST) PORT=$(PORT) $(BIN)/gunicorn --config app/gunicorn_conf.py app.wsgi:server

browser:
	@CHROMIUM=$(CHROMIUM) sh scripts/ensure-browser.sh

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

# The tests that need no browser run on every core (pytest-xdist); the browser tests (marked
# "browser": every test using dash_duo, tests/conftest.py), which drive one Chromium each and
# spend much of their time waiting for animations, run after them, two at a time (each
# worker serves from its own ports: tests/conftest.py).
test: $(VENV)/.installed-test browser lint
	$(BIN)/python -m pytest -n auto -m "not browser" -W error::RuntimeWarning $(PYTEST_ARGS)
	DASH_TEST_CHROMEPATH=$(CHROMIUM) $(BIN)/python -m pytest --headless -m browser -n 2 -W error::RuntimeWarning $(PYTEST_ARGS)

bench: $(VENV)/.installed-test browser
	DASH_TEST_CHROMEPATH=$(CHROMIUM) $(BIN)/python -m benchmarks

screenshots: $(VENV)/.installed-test browser
	DASH_TEST_CHROMEPATH=$(CHROMIUM) $(BIN)/python scripts/screenshots.py

# Rebuild app/vendor/plotly.min.js (plotly.js with only the traces the app draws) after a
# plotly upgrade or a new trace type; needs Node.js and npm, which nothing else here does.
plotly:
	cd scripts/plotly && npm ci --no-audit --no-fund && node build.js

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis *.egg-info
