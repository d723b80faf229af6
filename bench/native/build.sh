#!/usr/bin/env bash
# Compiles the C yardsticks with gcc -O2 into bench/target/native/ (never committed):
#   qpl_page_bench  the team's shared reference (shared/reference/qpl_page_bench.c; a verbatim copy is kept in
#                   bench/native/reference/ for clones without shared/ beside them), against the libqpl that
#                   ci/provision-libqpl.sh provides
#   zero_scan       memcmp zero-page scan, one core
#   socket_copy     plain loopback TCP copy
# A yardstick that cannot be built is reported on stderr with the reason and skipped (exit 0), so the
# harness can say which ratio is missing; --strict makes any failure exit 1.
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
out=$repo/bench/target/native
strict=0
[ "${1:-}" = "--strict" ] && strict=1
mkdir -p "$out"
failed=0
fail() { echo "bench/native/build.sh: $*" >&2; failed=1; }

gcc -O2 -o "$out/zero_scan" "$repo/bench/native/zero_scan.c" || fail "zero_scan did not compile"
gcc -O2 -pthread -o "$out/socket_copy" "$repo/bench/native/socket_copy.c" || fail "socket_copy did not compile"

# The reference lives in the project's shared/ folder, beside the repository (CI) or beside the main
# checkout of which this is a git worktree (development); JMULTIFD_SHARED_DIR overrides.
reference=""
for d in "${JMULTIFD_SHARED_DIR:-}" "$repo/../shared" \
         "$(cd "$repo" && cd "$(git rev-parse --git-common-dir 2>/dev/null)/../.." 2>/dev/null && pwd)/shared"; do
    if [ -n "$d" ] && [ -f "$d/reference/qpl_page_bench.c" ]; then reference=$d/reference/qpl_page_bench.c; break; fi
done
copy=$repo/bench/native/reference/qpl_page_bench.c
if [ -n "$reference" ] && ! cmp -s "$reference" "$copy"; then
    echo "bench/native/build.sh: $reference differs from $copy; using the shared one (update the copy)" >&2
fi
[ -z "$reference" ] && [ -f "$copy" ] && reference=$copy
if [ -z "$reference" ]; then
    fail "qpl_page_bench.c not found (looked in \$JMULTIFD_SHARED_DIR, $repo/../shared, beside the main checkout and $copy); the C-vs-Java qpl ratio will be missing"
else
    lib=$("$repo/ci/provision-libqpl.sh" --print-lib) && inc=$("$repo/ci/provision-libqpl.sh" --print-include)
    if [ -z "${lib:-}" ] || [ -z "${inc:-}" ]; then
        fail "libqpl could not be provisioned (ci/provision-libqpl.sh); the C-vs-Java qpl ratio will be missing"
    else
        libdir=$(dirname "$lib")
        gcc -O2 -o "$out/qpl_page_bench" "$reference" -I"$inc" -L"$libdir" -l:"$(basename "$lib")" \
            -Wl,-rpath,"$libdir" || fail "qpl_page_bench did not compile against $lib"
    fi
fi
[ $strict = 1 ] && [ $failed = 1 ] && exit 1
exit 0
