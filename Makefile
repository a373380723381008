# Two commands do all the set-up: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Local runs are debug runs (make test and the benchmarks say otherwise on their own lines).
export DJANGO_DEBUG ?= 1

.PHONY: run test install lint format clean bench bench-full bench-setup bench-search bench-import

# Benchmarks need PostgreSQL (COPY, GIN); the database is created when missing and refilled each run.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/tracker_bench
BENCH_REDIS ?= redis://127.0.0.1:6379
# Redis database numbers for the cache and the broker: set others when several runs share one Redis.
BENCH_CACHE_DB ?= 5
BENCH_BROKER_DB ?= 4
BENCH_ENV = DATABASE_URL=$(BENCH_DATABASE_URL) DJANGO_DEBUG=0 DJANGO_SECRET_KEY=benchmark-only \
	DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost DJANGO_SECURE_SSL_REDIRECT=0 \
	CACHE_URL=$(BENCH_REDIS)/$(BENCH_CACHE_DB) CELERY_BROKER_URL=$(BENCH_REDIS)/$(BENCH_BROKER_DB) \
	API_THROTTLE_ANON_PER_MINUTE=0 API_THROTTLE_USER_PER_MINUTE=0

$(BIN)/activate: requirements.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $(BIN)/activate

install: $(BIN)/activate

# The local demo's settings, for make run and any shell opened later in this checkout: a secret key of
# its own and debug on. Readable by its owner only, never committed (.gitignore).
.env:
	umask 077 && $(PYTHON) -c 'import secrets; print(f"DJANGO_SECRET_KEY={secrets.token_urlsafe(50)}\nDJANGO_DEBUG=1")' > $@

run: install .env
	$(BIN)/python manage.py migrate --no-input -v0
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py compilemessages -v0 --ignore=.venv
	PORT=$(PORT) $(BIN)/python -m tracker.run

AXE_VERSION := 4.10.3
AXE_PACKAGE := var/node/node_modules/axe-core/package.json

test: install
	@# The browser tests drive Debian's chromium; as root we can install it when it is missing.
	@if [ "$$(id -u)" = 0 ] && ! command -v chromium >/dev/null 2>&1; then \
		apt-get update -qq && apt-get install -y -qq chromium; fi
	@# The accessibility test injects axe-core from npm (into var/node); without npm that test skips.
	@if [ "$$(id -u)" = 0 ] && ! command -v npm >/dev/null 2>&1; then \
		apt-get update -qq && apt-get install -y -qq npm; fi
	@if command -v npm >/dev/null 2>&1 && ! grep -qs '"version": "$(AXE_VERSION)"' $(AXE_PACKAGE); then \
		npm install --prefix var/node axe-core@$(AXE_VERSION) --no-audit --no-fund --silent; fi
	$(BIN)/python manage.py compilemessages -v0 --ignore=.venv
	DJANGO_DEBUG=0 $(BIN)/pytest

lint: install  ## the import contracts (.importlinter), ruff's checks and its formatting
	$(BIN)/lint-imports
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Mutation scores of the rule modules (pyproject.toml [tool.mutation]) into docs/mutation.md; not in CI.
.PHONY: mutation
mutation: install
	$(BIN)/pip install --quiet -r requirements-mutation.txt
	$(BIN)/python tools/mutation.py $(MODULES)

clean:
	rm -rf var staticfiles

bench-setup: install
	@if ! command -v wrk >/dev/null 2>&1; then apt-get update -qq && apt-get install -y -qq wrk; fi
	@psql "$(BENCH_DATABASE_URL)" -c "select 1" >/dev/null 2>&1 || \
		createdb --maintenance-db="$$(echo '$(BENCH_DATABASE_URL)' | sed 's|/[^/]*$$|/postgres|')" \
		"$$(echo '$(BENCH_DATABASE_URL)' | sed 's|.*/||')"

bench: bench-setup  ## the 10k tier, under 5 minutes: bench/results/latest.json
	$(BENCH_ENV) $(BIN)/python -m bench.run --tiers 10k

bench-search: bench-setup  ## search pages at 100k claims; keeps a loaded 100k tier between runs
	$(BENCH_ENV) $(BIN)/python -m bench.run --tiers 100k --search-only --reuse-data \
		--output bench/results/100k-search/latest.json

bench-import: bench-setup  ## the import alone, after loading the 10k tier (~20 s)
	$(BENCH_ENV) $(BIN)/python -m bench.run --tiers 10k --import-only --output bench/results/10k-import/latest.json

bench-full: bench-setup  ## every tier (the 1M tier takes a long while)
	$(BENCH_ENV) $(BIN)/python -m bench.run --tiers 10k,100k,1m --seconds 15 --import-rows 5000 \
		--recheck-sources 10000 --output bench/results/full/latest.json
