# The README's two commands: `make run` and `make test`. Both set everything up first.
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8050

.PHONY: run test lint format bench setup

run:
	scripts/setup.sh app
	$(BIN)/cockpit init-db
	$(BIN)/cockpit demo --if-empty
	$(BIN)/cockpit run --host $(HOST) --port $(PORT)

test:
	scripts/setup.sh test
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest

lint:
	$(BIN)/ruff format --check . && $(BIN)/ruff check . && $(BIN)/mypy && $(BIN)/lint-imports

format:
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

setup:
	scripts/setup.sh test
