# The two commands a newcomer needs: `make demo` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup browser-deps report-deps demo test lint neo4j-start neo4j-stop neo4j-status neo4j-logs ui bench clean

setup: $(STAMP) report-deps
	$(BIN)/attrib neo4j install

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed, found " + sys.version'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip setuptools wheel
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

browser-deps:
	scripts/install-browser-deps.sh

report-deps:  # Graphviz and Pango for the case reports (evidence graph, PDF)
	scripts/install-report-deps.sh

demo: setup
	$(BIN)/attrib demo

test: setup browser-deps
	$(BIN)/ruff check .
	$(BIN)/attrib neo4j exec -- scripts/run-tests.sh --durations=20

lint: $(STAMP)
	$(BIN)/ruff check .

neo4j-start: setup
	$(BIN)/attrib neo4j start

neo4j-stop: $(STAMP)
	$(BIN)/attrib neo4j stop

neo4j-status: $(STAMP)
	$(BIN)/attrib neo4j status

neo4j-logs: $(STAMP)
	$(BIN)/attrib neo4j logs

ui: setup
	$(BIN)/attrib neo4j start
	$(BIN)/python -c "from pipelines.operate.runner import install_instance_config as i; i()"
	DAGSTER_HOME=$(CURDIR)/.dagster $(BIN)/dagster dev -w workspace.yaml

bench: setup
	$(BIN)/attrib neo4j exec -- $(BIN)/python bench/run_all.py

clean:
	-$(BIN)/attrib neo4j stop
	rm -rf $(VENV) neo4j/home .dagster data out
