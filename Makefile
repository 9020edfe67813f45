# adapt — set-up and everyday targets. `make help` lists them.
#
# TFX 1.16 needs Python 3.10 (see ARCHITECTURE notes in README). The first
# working interpreter among the candidates below is used; override with
# `make PYTHON=/path/to/python3.10 install`.
PYTHON ?= $(shell for p in python3.10 "$$(pyenv root 2>/dev/null)"/versions/3.10*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10; do \
            "$$p" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null && { echo "$$p"; break; }; done)
VENV := .venv
UV_VERSION := 0.13.9
STAMP := $(VENV)/.installed
export TF_USE_LEGACY_KERAS := 1
export TF_CPP_MIN_LOG_LEVEL := 3

.PHONY: help install demo test test-unit test-e2e benchmark lock compile clean cloud-function mariadb chromium suite-costs screenshots

help:
	@echo "make install    create $(VENV)/ from requirements.lock and install adapt (editable)"
	@echo "make demo       install, then replay four years of Chicago taxi data (adapt demo)"
	@echo "make test       install, then run unit, end-to-end and notebook tests"
	@echo "make test-unit  fast tests only"
	@echo "make mariadb    install Debian's mariadb-server (the MLMD-on-MySQL tests start their own instance)"
	@echo "make screenshots  the README's dashboard screenshots from SCREENSHOTS_WORKDIR (default adapt-workspace)"
	@echo "make benchmark  run every benchmark in benchmarks/ (long); results in benchmarks/results/"
	@echo "make lock       re-resolve requirements.in into requirements.lock"

install: $(STAMP)

$(STAMP): requirements.lock setup.py
	@test -n "$(PYTHON)" || { echo "error: Python 3.10 not found; run make PYTHON=/path/to/python3.10" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet "uv==$(UV_VERSION)"
	$(VENV)/bin/uv pip install --python $(VENV)/bin/python --compile-bytecode -r requirements.lock
	$(VENV)/bin/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

demo: install
	$(VENV)/bin/adapt demo

# Two pytest-xdist workers, each test file (or the files sharing one session fixture: conftest.py) on one worker:
# 797 tests in 33 min 41 s (34:40 with the install) on a clean clone of this 2-core machine (2026-12-08).
# `make test TEST_WORKERS=0` runs them in this process.
TEST_WORKERS ?= 2

test: install mariadb chromium
	ADAPT_TEST_DURATIONS_FILE=build/test-durations.json $(VENV)/bin/python -m pytest -n $(TEST_WORKERS) --dist loadfile

# The seconds each test file took in the last `make test` (build/test-durations.json) become tests/suite_costs.json,
# by which the two workers take the costliest file first.
suite-costs:
	$(VENV)/bin/python -c 'import conftest; conftest.write_file_costs("build/test-durations.json")'

# Debian's MariaDB server for the ML Metadata-on-MySQL tests (they start a private instance, then stop it).
mariadb:
	@command -v mariadbd >/dev/null 2>&1 || test -x /usr/sbin/mariadbd || { \
	    echo "installing mariadb-server (Debian package) for the MLMD-on-MySQL tests"; \
	    $$(test "$$(id -u)" = 0 || echo sudo) apt-get install -y -q mariadb-server >/dev/null; }

# Debian's Chromium for the dashboard's browser tests (driven headless over the DevTools protocol: tests/browser.py).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	    echo "installing chromium (Debian package) for the dashboard's browser tests"; \
	    $$(test "$$(id -u)" = 0 || echo sudo) apt-get install -y -q chromium >/dev/null; }

# The README's screenshots of every dashboard page (pipeline/ui/screens/), taken from a workspace (the demo's):
# `adapt ui` on it, each page in headless Chromium, small palette PNGs (tests/screenshots.py).
SCREENSHOTS_WORKDIR ?= adapt-workspace
screenshots: install chromium
	$(VENV)/bin/python -m tests.screenshots --workdir $(SCREENSHOTS_WORKDIR) --output pipeline/ui/screens

test-unit: install
	$(VENV)/bin/python -m pytest -m "not e2e"

test-e2e: install mariadb chromium
	$(VENV)/bin/python -m pytest -m e2e

benchmark: install
	$(VENV)/bin/python -m benchmarks.policies
	$(VENV)/bin/python -m benchmarks.policies --use-case digits
	$(VENV)/bin/python -m benchmarks.idle_tick
	$(VENV)/bin/python -m benchmarks.serving_load
	$(VENV)/bin/python -m benchmarks.batch_prediction
	$(VENV)/bin/python -m benchmarks.reliability
	$(VENV)/bin/python -m benchmarks.estimation

lock:
	$(VENV)/bin/uv pip compile requirements.in --python-version 3.10 \
	    --python-platform x86_64-manylinux_2_36 -o requirements.lock

clean:
	rm -rf $(VENV) *.egg-info

# The cloud-function bundle: main.py, its requirements, and the light parts of adapt it imports.
cloud-function:
	rm -rf build/cloud-function && mkdir -p build/cloud-function
	cp cloud_function/main.py cloud_function/requirements.txt build/cloud-function/
	cp -r core pipeline build/cloud-function/
	@echo "deploy: gcloud functions deploy adapt-trigger --gen2 --runtime python310 --trigger-http \\"
	@echo "          --entry-point trigger --source build/cloud-function --set-env-vars ADAPT_BATCH_PREFIX=gs://..."
