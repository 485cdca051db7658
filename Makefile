# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000

# The test suite runs on real PostgreSQL and Redis; these are the local defaults.
TEST_DATABASE_URL ?= $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/aftersale)
TEST_REDIS_URL ?= $(or $(REDIS_URL),redis://127.0.0.1:6379/15)

.PHONY: demo demo-link test test-clock lint format bench install worker clean lock upgrade

# Every dependency is pinned with its hashes: requirements.lock (what production runs: the
# Dockerfile) and requirements-dev.lock (that plus the test and lint tools: make, CI). Both
# are generated from pyproject.toml by `make lock` (after editing it) or `make upgrade`
# (weekly: the newest versions pyproject.toml allows); never edit them by hand.
LOCK := requirements-dev.lock
COMPILE := $(VENV)/bin/uv pip compile pyproject.toml --generate-hashes --python-version 3.11 \
	--quiet --no-annotate --custom-compile-command "make lock"

$(VENV)/.installed: pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet --require-hashes --no-deps -r $(LOCK)
	$(VENV)/bin/pip install --quiet --no-deps -e .
	$(VENV)/bin/pip check
	touch $@

install: $(VENV)/.installed

demo: $(VENV)/.installed
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py seed_demo
	DEBUG=1 $(PY) manage.py demo_messages
	DEBUG=1 $(PY) manage.py demo_links --port $(PORT)
	DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

# A fresh link to the demo store's dashboard (the one `make demo` printed lives minutes).
demo-link: $(VENV)/.installed
	@DEBUG=1 $(PY) manage.py demo_links --port $(PORT)

test: $(VENV)/.installed
	@DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(PY) bin/check_services.py
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) TESTING=1 \
		$(PY) -m pytest $(PYTEST_ARGS)

# The suite on a moved clock (libfaketime moves it for every process the run starts: the
# Celery worker and Chromium too): `year` = 366 days ahead, `dst` = just after a DST change in
# a store's time zone, crossing midnight UTC mid-run. A test that mixes a fixed date with the
# real clock fails here the day it is written. bin/clock_offset.py says why each.
CLOCK_SHIFTS ?= year dst
test-clock: $(VENV)/.installed
	@command -v faketime >/dev/null || { echo "test-clock needs libfaketime: apt-get install faketime"; exit 1; }
	@for shift in $(CLOCK_SHIFTS); do \
		offset=$$($(PY) bin/clock_offset.py $$shift) || exit 1; \
		TZ=America/New_York faketime -f "+$${offset}s" \
			$(MAKE) --no-print-directory test PYTEST_ARGS='$(PYTEST_ARGS)' || exit 1; \
	done

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	TESTING=1 $(VENV)/bin/mypy apps config
	TESTING=1 $(PY) manage.py makemigrations --check --dry-run

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(VENV)/.installed
	@DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(PY) bin/check_services.py
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(PY) bench/run_all.py

# uv comes pinned with the dev lock; a venv made before it was added gets it here.
$(VENV)/bin/uv:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet uv

lock: $(VENV)/bin/uv
	$(COMPILE) --extra dev --extra llm -o requirements-dev.lock
	$(COMPILE) --extra llm -c requirements-dev.lock -o requirements.lock

upgrade: $(VENV)/bin/uv
	$(COMPILE) --extra dev --extra llm --upgrade -o requirements-dev.lock
	$(COMPILE) --extra llm -c requirements-dev.lock -o requirements.lock
	$(MAKE) install

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles artifacts

# The chat widget's source is static/widget/; the theme app extension ships a copy of it
# (tests/chat/test_widget_assets.py fails when the two differ).
.PHONY: widget
widget:
	cp static/widget/aftersale-chat.js static/widget/aftersale-chat.css extensions/aftersale-chat/assets/
