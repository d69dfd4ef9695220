#!/bin/sh
# test.sh: install what is missing, build with warnings as errors, and run
# the whole test suite (make check: unit, golden, integration against real
# servers on loopback).  Ends with one line "N passed, N failed" counted
# from automake's test-suite.log.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
sh scripts/install-deps.sh test || exit 1
sh scripts/build.sh --enable-debug || { echo "0 passed, 1 failed"; exit 1; }

rc=0
make -s -j"$(nproc)" check VERBOSE=1 >test-run.log 2>&1 || rc=1
grep -E '^(PASS|FAIL|XFAIL|XPASS|ERROR|SKIP):' test-run.log || true
if [ $rc -ne 0 ]; then
	echo "---- failures (see test-suite.log) ----"
	sed -n '/^FAIL\|^ERROR/p' test-suite.log 2>/dev/null | head -50
	tail -n 80 test-run.log
fi
sh scripts/summary.sh test-suite.log
exit $rc
