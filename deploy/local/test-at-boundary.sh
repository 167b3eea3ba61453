#!/usr/bin/env bash
# Runs the tests that read the clock (marked clock) with the clock moved to a local
# (Asia/Ho_Chi_Minh) boundary:
#   deploy/local/test-at-boundary.sh month|year SECONDS_AFTER [pytest arguments]
# (a negative SECONDS_AFTER starts before the boundary, so the run crosses it). A -m among
# the pytest arguments replaces the default selection, -m "clock and not real_clock and not faults".
# libfaketime moves the clock of this process and of every process it starts, except:
# - redis-server (its allocator cannot start under libfaketime; the tests start it without),
# - Alertmanager (a Go program reads the kernel clock directly): tests marked real_clock,
#   which hand alerts to a real Alertmanager, run only at the real clock (make unit), and so
#   do the fault drills (marked faults).
# The preloaded shim sends sleeps on the monotonic clock straight to the kernel: libfaketime
# 0.9.10 breaks Python's time.sleep otherwise.
set -euo pipefail
cd "$(dirname "$0")/../.."
. deploy/local/lib.sh
kind=$1 after=$2; shift 2
LIBFAKETIME=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n 1)
[ -n "$LIBFAKETIME" ] || die "libfaketime is not installed (run deploy/local/ensure-test-tools.sh)"
SHIM="$PWD/.tools/lib/faketime-monotonic-sleep.so"
[ -f "$SHIM" ] || die "$SHIM is missing (run deploy/local/ensure-test-tools.sh)"
offset=$(.venv/bin/python deploy/local/clock_boundary.py "$kind" "$after")
say "the clock tests at a $kind boundary (clock offset $offset s), except real_clock tests and fault drills"
FAKETIME="$offset" FAKETIME_DONT_FAKE_MONOTONIC=1 LD_PRELOAD="$SHIM $LIBFAKETIME" \
  .venv/bin/pytest -p no:cacheprovider -m "clock and not real_clock and not faults" "$@"
