#!/bin/sh
# test.sh: install what is missing, build with warnings as errors, and run
# the whole test suite:
#   1. make check (unit, golden, integration against real servers on loopback,
#      valgrind memcheck) in the debug build;
#   2. make distcheck: the release tarball built out of tree with ASan+UBSan
#      (and LeakSanitizer), running the whole suite again;
#   3. the Debian package: build, lintian, install, run, purge;
#   4. a short soak (50 targets, faults flipping, steady scrapes; RSS and fds flat);
#   5. every libFuzzer target for a short, bounded time.
# Ends with one line "N passed, N failed": test-suite.log counts plus one
# count per PASS:/FAIL: line of the other stages.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out="$top/tests/artifacts"
mkdir -p "$out"
rm -f "$out"/stage-*.out "$out/stages.txt"
: > "$out/stages.txt"
rc=0

sh scripts/install-deps.sh test || { echo "0 passed, 1 failed"; exit 1; }
if ! sh scripts/build.sh --enable-debug > "$out/build.log" 2>&1; then
	cat "$out/build.log"
	echo "0 passed, 1 failed"
	exit 1
fi

stage() { # stage NAME CMD...: run, keep output, report
	name=$1
	shift
	echo "== $name"
	start=$(date +%s)
	if "$@" > "$out/stage-$name.out" 2>&1; then
		echo "PASS: stage/$name ($(( $(date +%s) - start ))s)" | tee -a "$out/stages.txt"
	else
		echo "FAIL: stage/$name ($(( $(date +%s) - start ))s)" | tee -a "$out/stages.txt"
		tail -n 80 "$out/stage-$name.out"
		rc=1
	fi
	grep -E '^(PASS|FAIL|ERROR|XPASS|SKIP):' "$out/stage-$name.out" || true
}

stage check make -j"$(nproc)" check
[ -f test-suite.log ] && cp test-suite.log "$out/check-test-suite.log"
if grep -q '^FAIL\|^ERROR' "$out/stage-check.out"; then
	sed -n '/^FAIL:\|^ERROR:/,/^$/p' test-suite.log 2>/dev/null | head -120
fi
# The out-of-tree copy has no ../shared beside it: point the capture tests at ours.
TW_CAPTURES_DIR="$top/../shared/captures"
export TW_CAPTURES_DIR
stage distcheck make distcheck
stage package bash scripts/package-test.sh
stage soak bash tests/soak/soak.sh --short
stage fuzz sh scripts/fuzz-ci.sh 10

# Count: automake's own summaries (check, distcheck) + one per PASS:/FAIL:
# line of the package steps and fuzz targets + one for the soak.
{
	sed -n 's/^# \(PASS\|FAIL\|ERROR\|XPASS\|SKIP\): *\([0-9]*\)$/\1 \2/p' \
		"$out/stage-check.out" "$out/stage-distcheck.out"
	grep -hE '^(PASS|FAIL): (package/|fuzz_)' "$out/stage-package.out" "$out/stage-fuzz.out" |
		awk '{print $1 == "PASS:" ? "PASS 1" : "FAIL 1"}'
	if grep -q "^PASS: stage/soak" "$out/stages.txt"; then echo "PASS 1"; else echo "FAIL 1"; fi
	# a stage that failed with every test passing (e.g. distcleancheck) is one failure
	for s in check distcheck; do
		if grep -q "^FAIL: stage/$s" "$out/stages.txt" &&
		   ! grep -qE "^# (FAIL|ERROR|XPASS): *[1-9]" "$out/stage-$s.out"; then
			echo "FAIL 1"
		fi
	done
	# a stage that never reached its tests counts as a failure
	grep -q "^# TOTAL:" "$out/stage-check.out" || echo "FAIL 1"
	grep -q "^# TOTAL:" "$out/stage-distcheck.out" || echo "FAIL 1"
	grep -q "^PASS: package-test\|^FAIL: package-test" "$out/stage-package.out" || echo "FAIL 1"
	grep -q "^fuzzers: " "$out/stage-fuzz.out" || echo "FAIL 1"
} | awk '
	$1 == "PASS" { p += $2 }
	$1 == "FAIL" || $1 == "ERROR" || $1 == "XPASS" { f += $2 }
	$1 == "SKIP" { s += $2 }
	END { if (s) printf "%d passed, %d failed, %d skipped\n", p, f, s;
	      else printf "%d passed, %d failed\n", p, f }' > "$out/summary.txt"
cat "$out/summary.txt"
grep -q ', 0 failed' "$out/summary.txt" || rc=1
exit $rc
