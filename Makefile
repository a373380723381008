# Two commands do all the set-up: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export DJANGO_DEBUG ?= 1

.PHONY: run test install lint format clean

$(BIN)/activate: requirements.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $(BIN)/activate

install: $(BIN)/activate

run: install
	$(BIN)/python manage.py migrate --no-input -v0
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py compilemessages -v0 --ignore=.venv
	PORT=$(PORT) $(BIN)/python -m tracker.run

test: install
	@# The browser tests drive Debian's chromium; as root we can install it when it is missing.
	@if [ "$$(id -u)" = 0 ] && ! command -v chromium >/dev/null 2>&1; then \
		apt-get update -qq && apt-get install -y -qq chromium; fi
	$(BIN)/python manage.py compilemessages -v0 --ignore=.venv
	DJANGO_DEBUG=0 $(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf var staticfiles
