# neckimu — two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint firmware-test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	# --no-compile: Python compiles only the modules it imports, on first import; pip would
	# byte-compile all 6000 files of the dependencies (measured 61 s -> 35 s user CPU).
	# The venv's own pip is new enough for an editable pyproject install: no upgrade step.
	$(BIN)/pip install --quiet --no-compile -e '.[test]'
	touch $(STAMP)

# The main job: a guided session with a simulated person on the simulated headset (real BLE
# through bumble). With a display it opens the live window; without one it runs headless.
# Writes the recording, the analysis JSON, a report and a picture of the window to out/demo.
run: $(STAMP)
	$(BIN)/neckimu demo --speed 4 --out out/demo --screenshot out/demo/window.png --force

test: $(STAMP) firmware-test lint
	# Two workers, one test file each at a time (module fixtures are built once): a 2-core CI
	# machine busy with other work still gives the suite more than one core.
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -n 2 --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check neckimu tests bench
	$(BIN)/ruff format --check neckimu tests bench

firmware-test:
	$(MAKE) -C firmware -j2 test

# Benchmarks print figures; they are not tests (shared machines are noisy: read the ratios).
bench: $(STAMP)
	$(BIN)/python bench/offline.py
	$(BIN)/python bench/accuracy.py
	$(BIN)/python bench/stream.py
	QT_QPA_PLATFORM=offscreen $(BIN)/python bench/gui.py

clean:
	rm -rf $(VENV) out bench/out firmware/build
