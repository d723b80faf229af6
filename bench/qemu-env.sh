#!/usr/bin/env bash
# The QEMUs the benchmarks set jmultifd against: Debian 12's on this machine, and Debian unstable's in a chroot of the
# unstable root file system that ci/it-env.sh builds. Root only (apt-get, chroot, mounts).
#
#   bench/qemu-env.sh install-host
#       Installs qemu-system-x86 on this machine with apt-get when qemu-system-x86_64 is missing; prints its version.
#   bench/qemu-env.sh setup CHROOT [ROOTFS_TAR]
#       Extracts ROOTFS_TAR (default: the newest ~/.cache/jmultifd/it/rootfs-*.tar that is not -noqpl, built by
#       `bash ci/it-env.sh start`) into CHROOT (a directory outside the repository), then installs qemu-system-x86
#       and python3 there with apt-get (-o Acquire::Check-Valid-Until=false: the rootfs may be older than its
#       Release file's validity). Rerunning it on an existing CHROOT only installs what is missing. Prints the
#       chroot's QEMU version.
#   bench/qemu-env.sh exec CHROOT [HOST_PATH=INNER_PATH ...] -- COMMAND [ARG ...]
#       Runs COMMAND in CHROOT in a mount namespace of its own (unshare), with /proc, /dev and /sys and each
#       HOST_PATH (a file or a directory) bind-mounted at INNER_PATH (absolute, inside the chroot); the mounts end
#       with the namespace, so nothing is left mounted however COMMAND ends. COMMAND takes over this script's
#       process (exec all the way), so the caller's process id is COMMAND's: its CPU time is in /proc/PID/stat.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
die() { echo "qemu-env: $*" >&2; exit 1; }
usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ $# -ge 1 ] || usage
[ "$(id -u)" = 0 ] || die "must run as root (apt-get, chroot, mounts)"
mode=$1
shift

case "$mode" in
install-host)
    [ $# -eq 0 ] || usage
    if ! command -v qemu-system-x86_64 >/dev/null; then
        echo "qemu-env: installing qemu-system-x86 with apt-get" >&2
        apt-get update >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends qemu-system-x86 >&2
    fi
    qemu-system-x86_64 --version | head -n 1
    ;;
setup)
    [ $# -ge 1 ] && [ $# -le 2 ] || usage
    chroot_dir=$(readlink -f "$1")
    tarball=${2:-}
    case "$chroot_dir" in "$(cd "$here/.." && pwd)"*) die "CHROOT must be outside the repository" ;; esac
    if [ ! -x "$chroot_dir/usr/bin/apt-get" ]; then
        if [ -z "$tarball" ]; then
            tarball=$(ls -t "${JMULTIFD_IT_CACHE:-$HOME/.cache/jmultifd/it}"/rootfs-*.tar 2>/dev/null | grep -v -- -noqpl | head -n 1 || true)
            [ -n "$tarball" ] || die "no rootfs-*.tar under ~/.cache/jmultifd/it: run 'bash ci/it-env.sh start' first, or name one"
        fi
        mkdir -p "$chroot_dir"
        echo "qemu-env: extracting $tarball into $chroot_dir" >&2
        tar --numeric-owner -C "$chroot_dir" -xf "$tarball"
    fi
    if ! "$0" exec "$chroot_dir" -- sh -c 'command -v qemu-system-x86_64 && command -v python3' >/dev/null; then
        cp /etc/resolv.conf "$chroot_dir/etc/resolv.conf"
        "$0" exec "$chroot_dir" -- apt-get -o Acquire::Check-Valid-Until=false update >&2
        "$0" exec "$chroot_dir" -- env DEBIAN_FRONTEND=noninteractive apt-get -o Acquire::Check-Valid-Until=false \
            install -y --no-install-recommends qemu-system-x86 python3 >&2
    fi
    "$0" exec "$chroot_dir" -- qemu-system-x86_64 --version | head -n 1
    ;;
exec)
    [ $# -ge 3 ] || usage
    chroot_dir=$(readlink -f "$1")
    shift
    [ -d "$chroot_dir" ] || die "no chroot $chroot_dir (bench/qemu-env.sh setup $chroot_dir makes one)"
    binds=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        host=${1%%=*} inner=${1#*=}
        [ "$host" != "$1" ] || die "bind $1: expected HOST_PATH=INNER_PATH"
        [ -e "$host" ] || die "bind $1: no $host"
        case "$inner" in /*) ;; *) die "bind $1: INNER_PATH must be absolute" ;; esac
        # The mount point, made once inside the chroot (it stays, empty, after the namespace ends).
        if [ -d "$host" ]; then
            mkdir -p "$chroot_dir$inner"
        else
            mkdir -p "$(dirname "$chroot_dir$inner")"
            [ -e "$chroot_dir$inner" ] || touch "$chroot_dir$inner"
        fi
        binds+=("$(readlink -f "$host")=$inner")
        shift
    done
    [ "${1:-}" = -- ] && [ $# -ge 2 ] || usage
    shift
    exec unshare --mount --propagation private -- "$0" mounted "$chroot_dir" "${binds[@]}" -- "$@"
    ;;
mounted)
    # exec's second half, inside the new mount namespace: the mounts, then the command in the chroot.
    chroot_dir=$1
    shift
    for d in proc dev sys; do mount --bind "/$d" "$chroot_dir/$d"; done
    while [ "$1" != -- ]; do
        mount --bind "${1%%=*}" "$chroot_dir${1#*=}"
        shift
    done
    shift
    exec chroot "$chroot_dir" "$@"
    ;;
*) usage ;;
esac
