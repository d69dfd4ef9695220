#!/bin/sh
# run-fuzzers.sh [SECONDS] [TARGET...]: run each libFuzzer target built by
# ./configure --enable-fuzzing CC=clang && make (tests/fuzz/fuzz_<name>) for
# SECONDS (default 20) on a scratch copy of its seed corpus (the committed
# tests/fuzz/corpus/<name>/ is only read), with its regression inputs and
# dictionary.  Targets run FUZZ_JOBS at a time (default: number of CPUs).
# Exits 1 if any target crashed, leaked, hit UB, timed out (-timeout=10) or
# went over -rss_limit_mb=2048; the input that did it is kept in
# $FUZZ_ARTIFACTS (default tests/artifacts/fuzz/) and its path printed:
# replay it with tests/fuzz/replay_<name> FILE, then copy it to
# tests/fuzz/regress/<name>/ once fixed.
# Environment: top_srcdir / top_builddir (default: this script's tree and
# the current directory), FUZZ_JOBS, FUZZ_ARTIFACTS, FUZZ_KEEP_CORPUS=DIR
# (keep the grown corpora there instead of deleting them).
set -u
secs=${1:-20}
[ $# -gt 0 ] && shift
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${top_builddir:-.}
build=$(cd "$build" && pwd)
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
art=${FUZZ_ARTIFACTS:-$build/tests/artifacts/fuzz}
scratch=$(mktemp -d "${TMPDIR:-/tmp}/twfuzz-run.XXXXXX") || exit 1
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$art" || exit 1
case $secs in '' | *[!0-9]*) echo "run-fuzzers.sh: SECONDS must be a number" >&2; exit 2 ;; esac

if [ $# -gt 0 ]; then
	targets="$*"
else
	targets=$(cd "$build/tests/fuzz" 2>/dev/null && ls fuzz_* 2>/dev/null |
		grep -v '\.' | sed 's/^fuzz_//')
fi
[ -n "$targets" ] || {
	echo "run-fuzzers.sh: no fuzz targets in $build/tests/fuzz;" \
		"build with ./configure --enable-fuzzing CC=clang && make" >&2
	exit 2
}

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:print_stacktrace=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$src/tests/lsan.supp:print_suppressions=0}"
export top_srcdir="$src"

# run_one NAME: fuzz one target; writes $scratch/NAME.rc and NAME.log
run_one() {
	t=$1
	bin="$build/tests/fuzz/fuzz_$t"
	seeds="$src/tests/fuzz/corpus/$t"
	work="$scratch/corpus-$t"
	mkdir -p "$work"
	set -- -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$art/$t-"
	[ -f "$src/tests/fuzz/dict/$t.dict" ] && set -- "$@" -dict="$src/tests/fuzz/dict/$t.dict"
	set -- "$@" "$work" "$seeds"
	[ -d "$src/tests/fuzz/regress/$t" ] && set -- "$@" "$src/tests/fuzz/regress/$t"
	if [ ! -x "$bin" ]; then
		echo "no such fuzz target: $bin" > "$scratch/$t.log"
		echo 1 > "$scratch/$t.rc"
		return
	fi
	"$bin" "$@" > "$scratch/$t.log" 2>&1
	echo $? > "$scratch/$t.rc"
	if [ -n "${FUZZ_KEEP_CORPUS:-}" ]; then
		mkdir -p "$FUZZ_KEEP_CORPUS/$t" && cp -n "$work"/* "$FUZZ_KEEP_CORPUS/$t/" 2>/dev/null
	fi
	rm -rf "$work"
}

running=0
for t in $targets; do
	run_one "$t" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait
		running=0
	fi
done
wait

failed=0
for t in $targets; do
	rc=$(cat "$scratch/$t.rc" 2>/dev/null || echo 1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$scratch/$t.log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$scratch/$t.log" | tail -n 1)
	if [ "$rc" = 0 ]; then
		echo "PASS: fuzz_$t ${secs}s, ${execs:-?} runs, ${cov:-cov: ?}"
	else
		failed=$((failed + 1))
		echo "FAIL: fuzz_$t (exit $rc)"
		grep -E 'ERROR:|runtime error|fuzz invariant|SUMMARY|Test unit written|artifact_prefix|^==[0-9]+== *(ERROR|WARNING)' \
			"$scratch/$t.log" | head -n 20
		echo "---- last lines of fuzz_$t output ----"
		tail -n 40 "$scratch/$t.log"
	fi
done
echo "fuzzers: $(echo $targets | wc -w) run, $failed failed"
[ "$failed" = 0 ]
