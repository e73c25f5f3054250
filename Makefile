# Two commands: `make run` (set up and serve the demo) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
HOST ?= 127.0.0.1
TRANSLATIONS := incubator/translations

.PHONY: run test install install-test translations lint demo messages bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

translations: install
	$(BIN)/pybabel compile -d $(TRANSLATIONS) --statistics 2>&1 | grep -v '^compiling' || true

demo: install translations
	$(BIN)/incubator db upgrade
	$(BIN)/incubator demo

# The scheduler (reminders, deadlines, e-mails) runs beside the web server and stops with it.
run: demo
	@echo "Serving on http://$(HOST):$(PORT)/ (the scheduler ticks every minute in the background)"
	@export PUBLIC_URL=$${PUBLIC_URL:-http://$(HOST):$(PORT)}; \
	$(BIN)/incubator scheduler > instance/scheduler.log 2>&1 & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
	$(BIN)/incubator run --host $(HOST) --port $(PORT)

lint: install-test
	$(BIN)/ruff check incubator tests benchmarks migrations/env.py

test: install-test translations lint
	$(BIN)/pytest --db sqlite
	$(BIN)/pytest --db postgresql

# Refresh the catalogues after changing UI text: extract, then merge into each language.
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o $(TRANSLATIONS)/messages.pot --no-location -w 100 --project Incubateur --copyright-holder "Incubateur contributors" incubator
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-fuzzy-matching -w 100

clean:
	rm -rf $(VENV) *.egg-info

bench: install translations
	$(BIN)/python benchmarks/bench_workflow.py
	$(BIN)/python benchmarks/bench_workflow.py --db postgresql
	$(BIN)/python benchmarks/bench_jury.py
	$(BIN)/python benchmarks/bench_jury.py --db postgresql
	$(BIN)/python benchmarks/bench_incubation.py
	$(BIN)/python benchmarks/bench_incubation.py --db postgresql
	$(BIN)/python benchmarks/bench_dashboard.py
	$(BIN)/python benchmarks/bench_dashboard.py --db postgresql
	$(BIN)/python benchmarks/bench_search.py
	$(BIN)/python benchmarks/bench_search.py --db postgresql
