#!/bin/sh
# build.sh [configure flags...]: generate, configure and build thinwatch in
# the source tree (re-using an existing configured tree when flags match).
set -eu
cd "$(dirname "$0")/.."
flags="$*"
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
	./autogen.sh >/dev/null
fi
if [ ! -f Makefile ] || [ "$(cat .configured-flags 2>/dev/null)" != "$flags" ] || [ configure -nt Makefile ]; then
	# shellcheck disable=SC2086
	./configure -q $flags
	echo "$flags" > .configured-flags
fi
make -s -j"$(nproc)"
