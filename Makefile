# neckimu — two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export QT_QPA_PLATFORM ?= offscreen

.PHONY: run test lint firmware-test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# The main job: a guided session on the simulated headset (see README).
run: $(STAMP)
	$(BIN)/neckimu analyze recordings/example_forehead.csv --json out/example_forehead.json --plot out/example_forehead.png

test: $(STAMP) firmware-test lint
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check neckimu tests bench

firmware-test:
	$(MAKE) -C firmware test

bench: $(STAMP)
	$(BIN)/python bench/offline.py

clean:
	rm -rf $(VENV) out bench/out firmware/build
