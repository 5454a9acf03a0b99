# spendpub: `make demo` builds the demo warehouse and serves the app; `make test` runs the suite.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOME_DIR ?= var
PORT ?= 8501

.PHONY: demo test app bench install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/spendpub --home $(HOME_DIR) demo
	SPENDPUB_HOME=$(HOME_DIR) $(BIN)/streamlit run app.py --server.port $(PORT) --server.address localhost --server.headless true

app: install
	SPENDPUB_HOME=$(HOME_DIR) $(BIN)/streamlit run app.py --server.port $(PORT) --server.address localhost --server.headless true

test: install
	$(BIN)/python -m pytest -n auto

# The validation and publish benchmark: 1M- and 10M-row synthetic exports through frictionless (1M only:
# about 15 minutes at 10M), the SQL validator, a publish and the floor (bench/README.md).
bench: install
	$(BIN)/python -m bench.run --rows 1000000 --rows 10000000

clean:
	rm -rf $(HOME_DIR) .pytest_cache
