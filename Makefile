# The front door: `make run` serves the demo, `make test` runs the whole suite.
VENV ?= .venv
BIN := $(VENV)/bin
# Newest Python 3.11+ on the machine; Django 6 needs 3.12, 3.11 gets the 5.2 LTS.
PYTHON ?= $(shell for p in python3.14 python3.13 python3.12 python3 python; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && echo $$p && break; done)
HOST ?= 127.0.0.1
PORT ?= 8000
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/liveblog
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0

# Readers send only tiny frames; compressing every fan-out frame per socket costs more CPU than it saves.
UVICORN_WS_FLAGS := --ws-max-size 16384 --ws-per-message-deflate false

.PHONY: run test lint bench bench-api bench-pages collectstatic clean prod test-prod

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed: install it and run make again."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/uvicorn config.asgi:application --host $(HOST) --port $(PORT) --no-proxy-headers $(UVICORN_WS_FLAGS)

test: $(VENV)/.installed-test
	@$(BIN)/python -c 'import sys, django; print(f"make test: Python {sys.version.split()[0]}, Django {django.__version__} ($(VENV))")'
	DATABASE_URL="$${DATABASE_URL:-$(TEST_DATABASE_URL)}" REDIS_URL="$${REDIS_URL:-$(TEST_REDIS_URL)}" \
		$(BIN)/python -m pytest $(PYTEST_ARGS)

# `make test-cluster`: only the three-host test (tests/cluster; `make test` runs it too). Needs root for
# `ip netns`, and nginx; it skips, saying why, where namespaces are not permitted.
.PHONY: test-cluster
test-cluster:
	$(MAKE) --no-print-directory test PYTEST_ARGS="$(PYTEST_ARGS) tests/cluster"

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run

# `make bench`: the websocket benches (bench/fanout, bench/storm, bench/polling), then the API bench (bench/api); BENCHMARKS.md. Not part of test or CI.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/liveblog_bench
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/5
BENCH_ARGS ?=

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[bench]'
	@touch $@ $(VENV)/.installed-run

# Production settings name static files by their hashes, which needs collectstatic's manifest.
collectstatic: $(VENV)/.installed-run
	DEBUG=0 SECRET_KEY=collectstatic-only $(BIN)/python manage.py collectstatic --noinput --verbosity 0

BENCH_ENV = DEBUG=0 SECRET_KEY="bench-$$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')" ALLOWED_HOSTS=127.0.0.1,localhost \
	DATABASE_POOL_MAX_SIZE=10 DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL="$(BENCH_DATABASE_URL)" REDIS_URL="$(BENCH_REDIS_URL)"

# The benches run on the production image's Python (3.12, Dockerfile) in a venv of their own:
# the fan-out's eager writer needs 3.12 (liveblog/consumers.py). Without a 3.12, make's Python.
BENCH_PYTHON ?= $(shell for p in python3.12 $(HOME)/.pyenv/versions/3.12*/bin/python3.12 $(PYTHON); do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && echo $$p && break; done)
BENCH_VENV ?= .venv-bench

# Fan-out (ours beside a stock Channels consumer at 10,000, then ours at 20,000), the reconnect
# storm, push against polling, then the API and the page loads.
bench:
	$(MAKE) --no-print-directory bench-all VENV=$(BENCH_VENV) PYTHON="$(BENCH_PYTHON)"

.PHONY: bench-all
bench-all: $(VENV)/.installed-bench collectstatic
	$(BENCH_ENV) timeout --kill-after=30 1800 $(BIN)/python -m bench.fanout --readers 10000 --consumers ours,python-gc,stock $(BENCH_ARGS)
	$(BENCH_ENV) timeout --kill-after=30 900 $(BIN)/python -m bench.fanout --readers 20000 --connect-timeout 240 $(BENCH_ARGS)
	$(BENCH_ENV) timeout --kill-after=30 900 $(BIN)/python -m bench.storm --readers 10000
	$(BENCH_ENV) timeout --kill-after=30 900 $(BIN)/python -m bench.polling --readers 2000
	$(MAKE) --no-print-directory bench-api
	$(MAKE) --no-print-directory bench-pages

# `make bench-api`: the partner API under wrk (bench/api; installs Debian's wrk if missing). Sets its own env.
BENCH_API_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/liveblog_bench_api
BENCH_API_REDIS_URL ?= redis://127.0.0.1:6379/6
BENCH_API_ARGS ?=

bench-api: $(VENV)/.installed-bench collectstatic
	DATABASE_URL="$(BENCH_API_DATABASE_URL)" REDIS_URL="$(BENCH_API_REDIS_URL)" \
		timeout --kill-after=30 1200 $(BIN)/python -m bench.api $(BENCH_API_ARGS)

# `make bench-pages`: first page loads from the origin with and without the render cache and
# through Varnish (deploy/varnish/liveblog.vcl; installs Debian's varnish and wrk if missing),
# then 10,000 clients polling through Varnish (bench/pages).
BENCH_PAGES_ARGS ?=

bench-pages: $(VENV)/.installed-bench collectstatic
	@command -v varnishd >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq varnish >/dev/null; }
	timeout --kill-after=30 1200 $(BIN)/python -m bench.pages $(BENCH_PAGES_ARGS)

# `make prod`: the production shape from Debian packages, no Docker (deploy/run_prod.py): nginx on
# http://127.0.0.1:8080, two uvicorn workers, the scheduler, the machine's PostgreSQL (database
# liveblog_prod) and Redis, DEBUG=0, the demo loaded. Ctrl-C stops it all. docs/operations.md.
prod: $(VENV)/.installed-run
	$(BIN)/python deploy/run_prod.py

# `make test-prod`: the smoke test of that shape through nginx, on its own PostgreSQL, Redis and free ports.
test-prod: $(VENV)/.installed-test
	DATABASE_URL="$${DATABASE_URL:-$(TEST_DATABASE_URL)}" REDIS_URL="$${REDIS_URL:-$(TEST_REDIS_URL)}" \
		$(BIN)/python -m pytest -p no:cacheprovider $(PYTEST_ARGS) tests/deploy

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
