#!/usr/bin/env bash
# The whole test suite: the one command the README gives and .ci/run calls.
#   1. finds a JDK >= 22            (ci/jdk.sh)
#   2. provisions libqpl 1.9        (ci/provision-libqpl.sh; idempotent, cached outside the repo)
#   3. prepares podman + the local test image and starts podman's API socket for Testcontainers
#      (ci/it-env.sh), unless JMULTIFD_IT=0
#   4. builds every module and runs every test, integration tests included (mvn verify)
#   5. runs the benchmark harness in quick mode as a smoke test, unless JMULTIFD_BENCH_SMOKE=0
set -euo pipefail
cd "$(dirname "$0")/.."
. ci/jdk.sh
echo "== JDK: $JAVA_HOME"

echo "== libqpl"
ci/provision-libqpl.sh
# The provisioned library must really be used: tests that need libqpl fail instead of skipping.
export JMULTIFD_REQUIRE_QPL=1
# As root, the tests that fill a small tmpfs they mount (full-disk handling of --output) and the userfaultfd
# tests of linux-bindings fail instead of skipping.
if [ "$(id -u)" = 0 ]; then
    export JMULTIFD_REQUIRE_TMPFS=1
    export JMULTIFD_REQUIRE_USERFAULTFD=1
fi

it_started=0
if [ "${JMULTIFD_IT:-1}" != 0 ] && [ -x ci/it-env.sh ]; then
    echo "== integration test environment"
    # it-env.sh start prints the environment (DOCKER_HOST=...) for the Testcontainers run. Captured first:
    # `eval "$(...)"` would drop its exit status, and set -e stops here when the assignment fails.
    it_env=$(ci/it-env.sh start)
    eval "$it_env"
    it_started=1
    trap 'ci/it-env.sh stop || true' EXIT
    export JMULTIFD_IT=1
else
    export JMULTIFD_IT=0
fi

echo "== build and test (mvn verify)"
mvn -B -ntp verify

if [ "${JMULTIFD_BENCH_SMOKE:-1}" != 0 ] && [ -x bench/run-bench.sh ]; then
    echo "== benchmark harness smoke run (quick mode)"
    bench/run-bench.sh --quick --out target/bench-smoke
fi
echo "== all tests passed"
