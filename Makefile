# The two commands of the README: `make demo` (run the system) and `make test`.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup redis alertmanager demo test lint types unit test-boundaries faults bench clean

setup:                ## virtual environment with the locked dependencies
	@deploy/local/ensure-python.sh

redis: setup          ## a local Redis at TTHC_REDIS_URL, started if none answers
	@deploy/local/ensure-redis.sh

alertmanager: setup   ## a local Alertmanager at TTHC_ALERTMANAGER_URL with the plan's routes
	@deploy/local/ensure-alertmanager.sh

demo: redis           ## run every service, Alertmanager and simulated traffic (Ctrl-C stops)
	@deploy/local/demo.sh

test: setup           ## lint, types, the whole suite, then the suite again at a month and a year boundary
	@deploy/local/ensure-redis.sh --binary-only
	@deploy/local/ensure-alertmanager.sh --binary-only
	@deploy/local/ensure-test-tools.sh
	$(MAKE) --no-print-directory lint types unit test-boundaries

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types:
	$(BIN)/mypy

unit:
	$(BIN)/pytest $(PYTEST_ARGS)

# The clock moved (libfaketime) to 10 s after the next local month start, then to 10 s
# before the next New Year (the run crosses it). See deploy/local/test-at-boundary.sh.
BOUNDARY_ARGS ?= -q -m "not real_clock and not faults"
test-boundaries:
	deploy/local/test-at-boundary.sh month 10 $(BOUNDARY_ARGS) --basetemp=.tools/pytest-month
	deploy/local/test-at-boundary.sh year -10 $(BOUNDARY_ARGS) --basetemp=.tools/pytest-year

faults:               ## the fault drills alone (make test runs them too)
	$(BIN)/pytest -m faults $(PYTEST_ARGS)

bench: redis          ## throughput benchmarks with same-run baselines
	$(BIN)/tthc bench all

clean:
	rm -rf .venv .tools data .mypy_cache .pytest_cache .ruff_cache
