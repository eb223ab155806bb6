# The two commands of the README: `make run` builds the warehouse, `make test` runs every test.
# Both set up what they need first (virtual environment, pinned install).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
DB     ?= $(or $(CDV_DB),warehouse.duckdb)

.PHONY: install run build test lint docs bench fuzz clean coverage

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
	@cd dbt_project && CDV_DB=$(abspath $(DB)) ../$(BIN)/dbt docs generate --profiles-dir . --quiet \
		&& echo "dbt docs: dbt_project/target/index.html (serve with: cd dbt_project && ../$(BIN)/dbt docs serve --profiles-dir .)"

build: run

test: install browser postgres lint
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup --durations=15
	$(MAKE) --no-print-directory coverage

# Every check of the code (also the hooks of .pre-commit-config.yaml): Python style and format
# (ruff), types of the package (mypy, strict: pyproject.toml), SQL style of the models (sqlfluff: .sqlfluff).
PY_DIRS := ingest tests dashboard bench
lint: install
	$(BIN)/ruff check $(PY_DIRS)
	$(BIN)/ruff format --check $(PY_DIRS)
	$(BIN)/mypy
	PYTHONWARNINGS=ignore $(BIN)/sqlfluff lint models --processes 2 --disable-progress-bar

# The property-based tests of the parsers (tests/test_fuzz.py) with 2,000 random examples each
# (`make test` runs 30, derandomized); a failing example is kept in .hypothesis/ and replayed first.
fuzz: install
	HYPOTHESIS_PROFILE=cdv-fuzz $(BIN)/python -m pytest -q tests/test_fuzz.py

docs: install
	cd dbt_project && CDV_DB=$(abspath $(DB)) ../$(BIN)/dbt docs generate --profiles-dir .

# The benchmark (BENCHMARKS.md): a synthetic national corpus in /tmp/cdv-bench, on 2 cores, < 10 min.
bench: install
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) dbt_project/target dbt_project/logs warehouse.duckdb* .pytest_cache

# dbt docs and the documentation / test coverage of the models (dbt-coverage), on a throw-away warehouse.
COVERAGE_DB := build/coverage.duckdb
coverage: install
	mkdir -p build && rm -f $(COVERAGE_DB)
	$(BIN)/cdv build --db $(COVERAGE_DB) 2>/dev/null | tail -n 1
	cd dbt_project && CDV_DB=$(abspath $(COVERAGE_DB)) ../$(BIN)/dbt docs generate --profiles-dir . --quiet
	cd dbt_project && ../$(BIN)/dbt-coverage compute doc --run-artifacts-dir target --cov-report ../build/coverage-doc.json | grep -E "^(Coverage|Total)"
	cd dbt_project && ../$(BIN)/dbt-coverage compute test --run-artifacts-dir target --cov-report ../build/coverage-test.json | grep -E "^(Coverage|Total)"

# Dashboards (issue 6): `make dashboard` serves dashboard/app.py on http://127.0.0.1:$(DASHBOARD_PORT)
# over the warehouse $(DB), read-only. The browser tests drive Debian's chromium (Playwright's own
# browser download does not work here); `browser` installs it when missing, and never fails the
# build: without it the browser test skips and says why.
.PHONY: dashboard dashboard-deps browser
DASHBOARD_PORT ?= 8501

browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif command -v apt-get >/dev/null 2>&1; then \
		(apt-get update -qq && apt-get install -y -qq chromium >/dev/null) \
		|| echo "browser: apt-get could not install chromium; the browser tests will skip"; \
	else echo "browser: no apt-get here to install chromium; the browser tests will skip"; fi

# The PostgreSQL target's tests (issue 16) start a throw-away server from Debian's binaries
# (ingest/pgserver.py: initdb and pg_ctl in a temporary folder, Unix socket only, as the postgres
# account when run as root); `postgres` installs Debian's postgresql package when they are missing,
# and never fails the build: without them those tests skip and say why.
.PHONY: postgres
postgres:
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then :; \
	elif command -v apt-get >/dev/null 2>&1; then \
		(apt-get update -qq && apt-get install -y -qq postgresql >/dev/null) \
		|| echo "postgres: apt-get could not install postgresql; the PostgreSQL tests will skip"; \
	else echo "postgres: no apt-get here to install postgresql; the PostgreSQL tests will skip"; fi

dashboard-deps: install browser

dashboard: install
	@test -f $(DB) || { echo "no warehouse at $(DB): run 'make run' first"; exit 1; }
	CDV_DB=$(abspath $(DB)) $(BIN)/streamlit run dashboard/app.py --server.address 127.0.0.1 \
		--server.port $(DASHBOARD_PORT) --server.headless true --browser.gatherUsageStats false \
		--client.toolbarMode minimal
