# `make test` is the README's test command and what CI runs (.ci/run): build the wheel, install it
# into a fresh virtual environment with the test tools and the example plugin, and run the tests
# against the installed package, not the source tree. `make lint` then runs ruff and mypy (mypy on
# the installed package: the repository's folders are not import names); `make test-lowest` runs
# the suite again with every runtime dependency at the lowest version pyproject.toml allows. Both
# install the `pdf` extra (WeasyPrint), so the PDF tests run rather than skip, and the `postgres`
# extra (psycopg; at its lowest version in test-lowest), so the ledger's tests also run against a
# throw-away PostgreSQL server that the tests start (tests/postgres.py) where its binaries are installed,
# and the `serve` extra (Starlette, uvicorn), so tests/server starts real server processes, and the
# `dask` extra (Dask, pandas, pyarrow), so the columnar kernel is tested on a 2-process Dask cluster.

PYTHON ?= python3
WORK   := .ci-work
VENV   := $(WORK)/venv
BUILD  := $(WORK)/build-venv

TEST_TOOLS := "pytest>=8" "hypothesis>=6.100" "openpyxl>=3.1"
LINT_TOOLS := "ruff==0.17.6" "mypy==2.4.1"

.PHONY: test lint test-lowest wheel bench clean

wheel:
	rm -rf $(WORK)/dist
	test -x $(BUILD)/bin/python || $(PYTHON) -m venv $(BUILD)
	$(BUILD)/bin/pip install --quiet --upgrade build
	$(BUILD)/bin/python -m build --outdir $(WORK)/dist .

test: wheel
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet "$$(ls $(WORK)/dist/stocktake-*.whl)[pdf,postgres,serve,dask]" $(TEST_TOOLS)
	$(VENV)/bin/pip install --quiet --no-deps ./tests/example_plugin
	STOCKTAKE_TEST_INSTALLED=1 STOCKTAKE_REQUIRE_EXAMPLE_PLUGIN=1 $(VENV)/bin/pytest -p no:cacheprovider

lint:
	test -x $(VENV)/bin/python || $(MAKE) test
	$(VENV)/bin/pip install --quiet $(LINT_TOOLS)
	$(VENV)/bin/ruff check engine plugins tests benchmarks .ci
	cd $(WORK) && venv/bin/mypy --config-file ../pyproject.toml -p stocktake

test-lowest: wheel
	rm -rf $(WORK)/lowest-venv
	$(PYTHON) -m venv $(WORK)/lowest-venv
	$(WORK)/lowest-venv/bin/pip install --quiet $$($(PYTHON) .ci/lowest.py postgres serve dask) $(TEST_TOOLS) "weasyprint>=62"
	$(WORK)/lowest-venv/bin/pip install --quiet --no-deps $(WORK)/dist/stocktake-*.whl ./tests/example_plugin
	STOCKTAKE_TEST_INSTALLED=1 STOCKTAKE_REQUIRE_EXAMPLE_PLUGIN=1 $(WORK)/lowest-venv/bin/pytest -p no:cacheprovider -q

# `make bench`: the benchmark suite (numbers, not pass/fail; about 6 minutes on 2 cores) against an
# installed copy, with the peer rule engines; the table is printed and written to .ci-work/bench.json.
bench:
	rm -rf $(WORK)/bench-venv
	$(PYTHON) -m venv $(WORK)/bench-venv
	$(WORK)/bench-venv/bin/pip install --quiet . rule-engine zen-engine
	$(WORK)/bench-venv/bin/python -m benchmarks --repeat 5 --json $(WORK)/bench.json

clean:
	rm -rf $(WORK) build dist .pytest_cache .hypothesis
