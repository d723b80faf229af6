#!/usr/bin/env bash
# The end-to-end benchmark: builds bench/target/benchmarks.jar and the C yardsticks, then runs
# io.jmultifd.bench.Harness (guest image, C yardsticks, JMH, migrations over loopback TCP) and writes
# results/<timestamp>/{results.json,table.md,*.png}.
#
#   bench/run-bench.sh --quick                      CI smoke test: 32M image, 1 repetition, short JMH; exit 1 if anything broke
#   bench/run-bench.sh --write-docs                 full run, regenerates docs/benchmarks.md (+ accel-plugin/README.md section)
#   bench/run-bench.sh --snapshot --size 4G [--qemu-chroot DIR] --write-docs   snapshot save/restore against dd (root)
#   bench/run-bench.sh --compare results/X/results.json [--fail-on-regression]
#   bench/run-bench.sh --help                       every option
# Set JMULTIFD_BENCH_NO_BUILD=1 to reuse an existing jar.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
. ci/jdk.sh
for a in "$@"; do
    if [ "$a" = "--help" ] || [ "$a" = "-h" ]; then
        sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
        if [ -f bench/target/benchmarks.jar ]; then java -cp bench/target/benchmarks.jar io.jmultifd.bench.Harness --help; fi
        exit 0
    fi
done
if [ "${JMULTIFD_BENCH_NO_BUILD:-0}" != 1 ] || [ ! -f bench/target/benchmarks.jar ]; then
    echo "== building bench/target/benchmarks.jar" >&2
    mvn -q -pl bench -am package -DskipTests
fi
echo "== building the C yardsticks" >&2
bench/native/build.sh
# The command as results.json and the docs show it, quoted so that it can be pasted back (e.g. a --machine-note).
command="bench/run-bench.sh"
[ $# -eq 0 ] || command="$command$(printf ' %q' "$@")"
exec java --enable-native-access=ALL-UNNAMED -Xmx2g -cp bench/target/benchmarks.jar io.jmultifd.bench.Harness \
    --repo "$repo" --command "$command" "$@"
