#!/usr/bin/env bash
# The end-to-end benchmark: builds bench/target/benchmarks.jar and the C yardsticks, then runs
# io.jmultifd.bench.Harness (guest image, C yardsticks, JMH, migrations over loopback TCP) and writes
# results/<timestamp>/{results.json,table.md,*.png}.
#
#   bench/run-bench.sh --quick                      CI smoke test: 32M image, 1 repetition, short JMH; exit 1 if anything broke
#   bench/run-bench.sh --write-docs                 full run, regenerates docs/benchmarks.md (+ accel-plugin/README.md section)
#   bench/run-bench.sh --snapshot --size 4G [--qemu-chroot DIR] --write-docs   snapshot save/restore against dd (root)
#   bench/run-bench.sh --compare results/X/results.json [--fail-on-regression]
#   bench/run-bench.sh --hints [--size 4G] [--write-docs]  free-page hints alone: idle and busy guest, hints on/off
#   bench/run-bench.sh --tls [--write-docs]         none and qpl with TLS off and on, 1 and 2 channels (needs openssl)
#   bench/run-bench.sh --vs-qemu --size 1G [--machine-note TEXT] --write-docs   side by side with QEMU 7.2 and 11.1 (root)
#   bench/run-bench.sh --help                       every option
# Set JMULTIFD_BENCH_NO_BUILD=1 to reuse an existing jar.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
. ci/jdk.sh
for a in "$@"; do
    if [ "$a" = "--help" ] || [ "$a" = "-h" ]; then
        sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
        if [ -f bench/target/benchmarks.jar ]; then java -cp bench/target/benchmarks.jar io.jmultifd.bench.Harness --help; fi
        exit 0
    fi
done
if [ "${JMULTIFD_BENCH_NO_BUILD:-0}" != 1 ] || [ ! -f bench/target/benchmarks.jar ]; then
    echo "== building bench/target/benchmarks.jar" >&2
    mvn -q -pl bench -am package -DskipTests
fi
# --hints, --tls and --vs-qemu run no C yardstick.
case " $* " in
    *" --hints "*|*" --tls "*|*" --vs-qemu "*) ;;
    *) echo "== building the C yardsticks" >&2
       bench/native/build.sh ;;
esac
# The command as the reports show it: an argument with spaces or quotes in single quotes, so it can be pasted back.
command="bench/run-bench.sh"
for a in "$@"; do
    if [[ "$a" =~ ^[A-Za-z0-9_./:=,@%+-]+$ ]]; then command+=" $a"; else command+=" '${a//\'/\'\\\'\'}'"; fi
done
exec java --enable-native-access=ALL-UNNAMED -Xmx2g -cp bench/target/benchmarks.jar io.jmultifd.bench.Harness \
    --repo "$repo" --command "$command" "$@"
