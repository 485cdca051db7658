# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000

# The test suite runs on real PostgreSQL and Redis; these are the local defaults.
TEST_DATABASE_URL ?= $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/aftersale)
TEST_REDIS_URL ?= $(or $(REDIS_URL),redis://127.0.0.1:6379/15)

.PHONY: demo demo-link test lint format bench install worker clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev,llm]'
	touch $@

install: $(VENV)/.installed

demo: $(VENV)/.installed
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py seed_demo
	DEBUG=1 $(PY) manage.py demo_links --port $(PORT)
	DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

# A fresh link to the demo store's dashboard (the one `make demo` printed lives minutes).
demo-link: $(VENV)/.installed
	@DEBUG=1 $(PY) manage.py demo_links --port $(PORT)

test: $(VENV)/.installed
	@DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(PY) bin/check_services.py
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) TESTING=1 \
		$(PY) -m pytest $(PYTEST_ARGS)

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

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles artifacts

# The chat widget's source is static/widget/; the theme app extension ships a copy of it
# (tests/conversations/test_widget_assets.py fails when the two differ).
.PHONY: widget
widget:
	cp static/widget/aftersale-chat.js static/widget/aftersale-chat.css extensions/aftersale-chat/assets/
