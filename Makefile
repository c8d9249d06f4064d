# `make test` is the README's test command and what CI runs (.ci/run): build the wheel, install it
# into a fresh virtual environment with the test tools and the example plugin, and run the tests
# against the installed package, not the source tree.

PYTHON ?= python3
WORK   := .ci-work
VENV   := $(WORK)/venv
BUILD  := $(WORK)/build-venv

.PHONY: test wheel bench clean

wheel:
	rm -rf $(WORK)/dist
	test -x $(BUILD)/bin/python || $(PYTHON) -m venv $(BUILD)
	$(BUILD)/bin/pip install --quiet --upgrade build
	$(BUILD)/bin/python -m build --outdir $(WORK)/dist .

test: wheel
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet $(WORK)/dist/stocktake-*.whl "pytest>=8" "hypothesis>=6.100" "openpyxl>=3.1"
	$(VENV)/bin/pip install --quiet --no-deps ./tests/example_plugin
	STOCKTAKE_TEST_INSTALLED=1 STOCKTAKE_REQUIRE_EXAMPLE_PLUGIN=1 $(VENV)/bin/pytest -p no:cacheprovider

# `make bench`: the benchmark suite (numbers, not pass/fail; about 10 minutes on 2 cores) against an
# installed copy, with the peer rule engines; the table is printed and written to .ci-work/bench.json.
bench:
	rm -rf $(WORK)/bench-venv
	$(PYTHON) -m venv $(WORK)/bench-venv
	$(WORK)/bench-venv/bin/pip install --quiet . rule-engine zen-engine
	$(WORK)/bench-venv/bin/python -m benchmarks --repeat 5 --json $(WORK)/bench.json

clean:
	rm -rf $(WORK) build dist .pytest_cache .hypothesis
