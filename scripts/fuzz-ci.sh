#!/bin/sh
# fuzz-ci.sh [SECONDS]: build the libFuzzer targets (clang, ASan+UBSan) out
# of tree from the release tarball and run each for SECONDS (default 10) on
# its seed corpus and regression inputs.  Fails on any crash, leak, UB,
# timeout or memory blow-up (tests/fuzz/run-fuzzers.sh).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-10}
work=$(mktemp -d "${TMPDIR:-/tmp}/twfuzz-ci.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$top"
make -s dist >/dev/null
tar -C "$work" -xzf "thinwatch-$(sed -n 's/^AC_INIT(\[thinwatch\], \[\([^]]*\)\].*/\1/p' configure.ac).tar.gz"
cd "$work"/thinwatch-*/
./configure -q --enable-fuzzing CC=clang
make -s -j"$(nproc)" >/dev/null
FUZZ_ARTIFACTS="$top/tests/artifacts/fuzz" top_srcdir=$(pwd) top_builddir=$(pwd) \
	sh tests/fuzz/run-fuzzers.sh "$secs"
