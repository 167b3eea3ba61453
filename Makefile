# The two commands of the README: `make demo` (run the system) and `make test`.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup redis alertmanager demo test lint types unit test-boundaries test-boundary-month test-boundary-year faults bench clean

setup:                ## virtual environment with the locked dependencies
	@deploy/local/ensure-python.sh

redis: setup          ## a local Redis at TTHC_REDIS_URL, started if none answers
	@deploy/local/ensure-redis.sh

alertmanager: setup   ## a local Alertmanager at TTHC_ALERTMANAGER_URL with the plan's routes
	@deploy/local/ensure-alertmanager.sh

demo: redis           ## run every service, Alertmanager and simulated traffic (Ctrl-C stops)
	@deploy/local/demo.sh

test: setup           ## lint, types, the whole suite, then the clock tests again at a month and a year boundary
	@deploy/local/ensure-redis.sh --binary-only
	@deploy/local/ensure-alertmanager.sh --binary-only
	@deploy/local/ensure-test-tools.sh
	$(MAKE) --no-print-directory lint types unit test-boundaries

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types:
	$(BIN)/mypy

# Three workers (pytest-xdist) on this 2-core machine: the drills and end-to-end tests spend
# much of their time waiting (restarts, leases, Alertmanager's group_wait), and a third worker
# fills that idle CPU (7 min against 8½ with two and 14 with one). Each worker has its own
# Redis, engine and temporary directories (session fixtures run per worker); "worksteal"
# evens out the long drills. TEST_WORKERS=0 runs everything in this process.
TEST_WORKERS ?= 3
unit:
	$(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# The tests marked clock (they read "now": current periods, lateness, due times, snapshots,
# report periods) again, with the clock moved (libfaketime) to 10 s after the next local
# month start, then to 10 s before the next New Year (the run crosses it). Not the real_clock
# tests (a Go program, Alertmanager or Prometheus, reads the kernel's clock) nor the fault
# drills: both run in `unit` only. tests/test_clock_marks.py fails on a test that reads the
# clock without the mark. See deploy/local/test-at-boundary.sh. The two runs go side by
# side (each keeps one core busy), each one's output printed whole when it ends.
BOUNDARY_ARGS ?= -q -m "clock and not real_clock and not faults"
test-boundaries:
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-boundary-month test-boundary-year

test-boundary-month:
	deploy/local/test-at-boundary.sh month 10 $(BOUNDARY_ARGS) --basetemp=.tools/pytest-month

test-boundary-year:
	deploy/local/test-at-boundary.sh year -10 $(BOUNDARY_ARGS) --basetemp=.tools/pytest-year

faults:               ## the fault drills alone (make test runs them too)
	$(BIN)/pytest -m faults $(PYTEST_ARGS)

bench: redis          ## throughput benchmarks with same-run baselines
	$(BIN)/tthc bench all

clean:
	rm -rf .venv .tools data .mypy_cache .pytest_cache .ruff_cache
