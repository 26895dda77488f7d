# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: install run test lint format serve bench clean assets

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --editable '.[dev]'
	touch $@

install: $(BIN)/.installed

# Local development: SQLite, DEBUG on, demo content, a local admin.
run: install
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py load_demo
	@echo "Open http://127.0.0.1:$(PORT)/ and sign in as admin (the password load_demo printed" \
		"when it made the account; '.venv/bin/python manage.py changepassword admin' sets another)."
	DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# Production run: DEBUG off, static files collected for whitenoise, gunicorn with
# 2×CPU+1 workers (WORKERS=n overrides). Reads SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL
# and USE_TLS from the environment; plain HTTP on loopback, for a TLS proxy in front.
serve: install
	@test -n "$$SECRET_KEY" || { echo "make serve: SECRET_KEY must be set in the environment" >&2; exit 1; }
	DEBUG=0 $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	DEBUG=0 $(BIN)/python manage.py migrate --noinput
	DEBUG=0 exec $(BIN)/gunicorn skillhub.wsgi --bind 127.0.0.1:$(PORT) \
		--workers $${WORKERS:-$$(( $$(nproc) * 2 + 1 ))}

# The whole suite. DATABASE_URL=postgres://… runs it on PostgreSQL.
test: install
	$(BIN)/pytest

# ruff, then mypy with django-stubs: strict on the pure modules, every HTTP function
# annotated (pyproject.toml [tool.mypy]).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The editor's CodeMirror bundle (static/vendor/, committed) from assets/: needs Node and
# npm (the dev extras bring them) and the npm registry. `make run` and `make test` do not.
assets: install
	$(BIN)/python scripts/build_assets.py

# Performance as ratios against baselines measured in the same run (bench/README.md).
bench: install
	$(BIN)/python bench/run.py

# A bounded load test of `make serve` on loopback against a throwaway PostgreSQL database
# (loadtest/run.py): 60 s of mixed traffic over 16 connections, then requests/s, p50, p99
# and errors. LOADTEST_SECONDS, LOADTEST_CONCURRENCY, LOADTEST_MAX_REQUESTS, LOADTEST_ITEMS
# and LOADTEST_POSTGRES override. Not part of `make test`.
.PHONY: loadtest
loadtest: install
	$(BIN)/python loadtest/run.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
