# The course's commands. `make lab` opens the course, `make test` runs the tests; both set up
# the environment (.venv) first when it is missing or out of date.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# nbgrader calls `alembic` as a command: keep the environment's bin/ first on PATH.
export PATH := $(abspath $(BIN)):$(PATH)
STAMP := $(VENV)/.installed
PORT ?= 8888
NB ?=
UNITS := $(notdir $(wildcard solutions/*))
# Jupyter refuses to run as root unless told (containers, some lab machines).
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: help install lab test browser sandbox check release lint playground bench bench-fresh clean \
	hub hub-proxy postgres

help:  ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@# PyTorch: the CPU build when it lies on this machine's disk, else the usual way.
	@if $(PY) -m pip install --quiet --no-index --no-deps torch==2.13.0 2>/dev/null; then \
		$(PY) -m pip install --quiet torch==2.13.0; \
	else \
		$(PY) -m pip install --quiet torch; \
	fi
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)  ## Create the environment (.venv) and install the course

lab: $(STAMP)  ## Open the course in JupyterLab
	$(BIN)/jupyter lab --port=$(PORT) $(ROOT_FLAG) lessons/00-welcome.ipynb

# The browser tests run last, on their own: they wait on a real page, which a fully loaded
# machine slows down beyond their timeouts.
test: $(STAMP) sandbox browser hub-proxy postgres  ## Run the whole test suite
	$(BIN)/pytest -n 2 --dist loadgroup -q -m "not browser"
	$(BIN)/pytest -q -m browser

# Grading runs every submission in bubblewrap (see grader/README.md, "Safety: the sandbox").
sandbox:
	@if ! command -v bwrap >/dev/null; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing bubblewrap for the grading sandbox (apt-get install bubblewrap)"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null; \
		else \
			echo "Grading and its tests need bubblewrap: sudo apt-get install bubblewrap"; \
		fi; \
	fi

# The browser tests drive Debian's Chromium (never a browser a test tool downloads).
browser:
	@if [ -z "$$DLCOURSE_CHROMIUM" ] && ! [ -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing Chromium for the browser tests (apt-get install chromium)"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else \
			echo "The browser tests need Chromium: install it (e.g. sudo apt-get install chromium)"; \
			echo "or set DLCOURSE_CHROMIUM to a Chromium or Chrome executable."; \
		fi; \
	fi

# The course's JupyterHub (grader/hub): its proxy comes from the npm registry into
# grader/hub/node_modules, nothing global. Debian's Node.js and npm do (nodejs, npm).
HUB_PROXY := grader/hub/node_modules/.bin/configurable-http-proxy

hub: $(STAMP) hub-proxy  ## Start the course's JupyterHub on this machine (loopback, demo accounts)
	$(PY) grader/hub/launch.py

hub-proxy: $(HUB_PROXY)

$(HUB_PROXY): grader/hub/package.json grader/hub/package-lock.json
	@if ! command -v npm >/dev/null; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing Node.js and npm for the hub's proxy (apt-get install nodejs npm)"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; \
		else \
			echo "The hub's proxy needs Node.js and npm: install them (e.g. sudo apt-get install nodejs npm)"; \
		fi; \
	fi
	@if command -v npm >/dev/null; then \
		cd grader/hub && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.bin/configurable-http-proxy; \
	fi

# The hub test keeps one gradebook in a PostgreSQL server it starts itself (Debian's package;
# as root, the test runs the server as the unprivileged user nobody).
postgres:
	@if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing PostgreSQL for the gradebook test (apt-get install postgresql)"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
		else \
			echo "The hub test needs PostgreSQL's server: install it (e.g. sudo apt-get install postgresql)"; \
		fi; \
	fi

check: $(STAMP)  ## Check an exercise notebook yourself: make check NB=exercises/01-perceptron/01-perceptron.ipynb
	@test -n "$(NB)" || { echo "usage: make check NB=path/to/notebook.ipynb"; exit 2; }
	$(PY) -m dlcourse.check "$(NB)"

release: $(STAMP)  ## Regenerate exercises/ from solutions/ with nbgrader
	$(PY) -m dlcourse.grading.release $(UNITS)

lint: $(STAMP)  ## Lint code and notebooks with ruff
	$(BIN)/ruff check .

playground: $(STAMP)  ## Serve the playground alone as a web page (a lecture-room projector)
	$(PY) -m dlcourse.playground.serve --open

bench: $(STAMP)  ## Run the benchmarks and print their figures
	$(PY) benchmarks/notebook_times.py
	$(PY) benchmarks/lab_startup.py
	$(PY) benchmarks/playground_speed.py
	$(PY) benchmarks/playground_widget_frames.py
	$(PY) benchmarks/plankton_speed.py
	$(PY) benchmarks/plankton_throughput.py
	$(PY) benchmarks/grading_speed.py

bench-fresh:  ## Time `make test` on a fresh clone, installs included
	bash benchmarks/fresh_clone.sh

clean:  ## Remove the environment and caches (never student data)
	rm -rf $(VENV) .pytest_cache .ruff_cache tests/artifacts benchmarks/results
