# grant-advisor — every target does its own set-up on a fresh clone.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
ADVISOR := $(VENV)/bin/advisor
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-st eval index bench clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

# Run the product (offline by default): build the index if missing, then serve the API and the
# widget demo on http://$(HOST):$(PORT)/.
run: $(VENV)/.installed
	$(ADVISOR) index
	$(ADVISOR) demo --host $(HOST) --port $(PORT)

# Lint, type-check, check the knowledge folder and test; pytest's exit code 5 (no tests collected) is reported as a failure.
test: $(VENV)/.installed
	bash scripts/ensure-system-packages.sh
	$(VENV)/bin/ruff check bot tests bench eval
	$(VENV)/bin/mypy bot
	$(ADVISOR) knowledge check
	$(PY) -m pytest -m "not st" --cov=bot --cov-report=term:skip-covered || { rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest: no tests were collected (exit 5)"; fi; exit $$rc; }
	$(MAKE) eval

# The offline evaluation with its CI gate (eval/thresholds.yaml): fails when a threshold is missed.
eval: $(VENV)/.installed
	$(ADVISOR) index
	$(ADVISOR) eval --llm offline

# The optional sentence-transformers backend: torch's CPU build from local disk, then the extra.
test-st: $(VENV)/.installed
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[dev,st]'
	HF_HUB_OFFLINE=1 $(PY) -m pytest -m st || { rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest: no st tests were collected (exit 5)"; fi; exit $$rc; }

index: $(VENV)/.installed
	$(ADVISOR) index

bench: $(VENV)/.installed
	$(PY) bench/retrieval.py

clean:
	rm -rf .advisor .pytest_cache .mypy_cache .ruff_cache
