# The two commands of the README: `make run` builds the warehouse, `make test` runs every test.
# Both set up what they need first (virtual environment, pinned install).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
DB     ?= $(or $(CDV_DB),warehouse.duckdb)

.PHONY: install run build test lint docs bench fuzz clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

run: install
	$(BIN)/cdv build --db $(DB)

build: run

test: install
	$(BIN)/python -m pytest -q
	$(BIN)/ruff check ingest tests

lint: install
	$(BIN)/ruff check ingest tests

docs: install
	cd dbt_project && CDV_DB=$(abspath $(DB)) ../$(BIN)/dbt docs generate --profiles-dir .

clean:
	rm -rf $(VENV) dbt_project/target dbt_project/logs warehouse.duckdb* .pytest_cache
