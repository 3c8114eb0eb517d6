# Kechuang Market — the two commands of the README are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run test venv setup serve lint format lock clean-venv

# The venv is rebuilt whenever the lock file changes.
$(VENV)/.installed: requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	@touch $@

venv: $(VENV)/.installed

# Embedded default: SQLite, database search, eager Celery, console e-mail.
setup: venv
	$(PY) manage.py compiletranslations
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py seed_demo
	$(PY) manage.py search_index --rebuild

run: setup
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# The whole suite. Tests needing a service that is not configured are skipped,
# unless REQUIRE_SERVICES=1 (CI), which turns a missing service into a failure.
# When DATABASE_URL names PostgreSQL (CI), the suite then runs again on SQLite, the
# embedded default `make run` serves (its FTS5 search backend included), without the
# tests of the services themselves and the browser, which have just run.
EMBEDDED_ONLY := not postgres and not elasticsearch and not broker and not browser
test: venv
	$(PY) manage.py compiletranslations
	$(PY) -m pytest $(PYTEST_ARGS)
	@if [[ "$${DATABASE_URL:-}" == postgres* ]]; then \
		echo "== the suite again on SQLite, the embedded default (no services) =="; \
		env -u DATABASE_URL -u REDIS_URL -u ELASTICSEARCH_URL REQUIRE_SERVICES= \
			$(PY) -m pytest -p no:cacheprovider -m "$(EMBEDDED_ONLY)" $(PYTEST_ARGS); \
	fi

# Production server with the current environment; runs only `migrate` first.
serve: venv
	$(PY) manage.py migrate --noinput
	$(VENV)/bin/gunicorn config.wsgi:application --bind 127.0.0.1:$(PORT) --workers $${WEB_CONCURRENCY:-2} --access-logfile -

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Re-pin every package after editing pyproject.toml.
lock:
	rm -rf /tmp/kechuang-lock && $(PYTHON) -m venv /tmp/kechuang-lock
	/tmp/kechuang-lock/bin/pip install --quiet -e '.[dev]'
	( echo '# Exact versions of every package, installed by `make venv`. Regenerate after changing'; \
	  echo '# pyproject.toml: make lock'; \
	  /tmp/kechuang-lock/bin/pip freeze --exclude-editable | sort -f ) > requirements.lock

clean-venv:
	rm -rf $(VENV)
