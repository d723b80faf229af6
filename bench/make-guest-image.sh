#!/usr/bin/env bash
# Builds the realistic guest image from files already on this machine (no downloads): text, executables and
# shared libraries, the JDK's lib/modules, structured data, and about 10% zero pages interleaved.
# Usage: bench/make-guest-image.sh OUT [SIZE]     SIZE: e.g. 256M (default), or --quick for 32M.
# Prints the composition and the image's sha256. Same machine image => same bytes; other package versions
# give other bytes (the recipe is fixed, the files are not).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
. "$repo/ci/jdk.sh"
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: $0 OUT [SIZE|--quick]   (SIZE default 256M; --quick = 32M)" >&2
    exit 2
fi
out=$1
size=${2:-256M}
[ "$size" = "--quick" ] && size=32M
# The builder and the engine's size parser are JDK-only: javac compiles just those two, no Maven build needed.
classes=$(mktemp -d)
trap 'rm -rf "$classes"' EXIT
"$JAVA_HOME/bin/javac" -d "$classes" -implicit:class \
    --source-path "$repo/bench/src/main/java:$repo/multifd/src/main/java" \
    "$repo/bench/src/main/java/io/jmultifd/bench/GuestImageBuilder.java"
"$JAVA_HOME/bin/java" -cp "$classes" io.jmultifd.bench.GuestImageBuilder "$out" "$size" "$JAVA_HOME/lib/modules"
