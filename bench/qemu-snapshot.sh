#!/usr/bin/env bash
# QEMU's row of the snapshot benchmark: QEMU (Debian unstable's qemu-system-x86) saves and restores a guest whose
# RAM is a guest image, in a chroot of the unstable root file system that ci/it-env.sh builds. Root only (chroot,
# bind mounts, dropping the page cache).
#
#   bench/qemu-snapshot.sh setup CHROOT [ROOTFS_TAR]
#       Extracts ROOTFS_TAR (default: the newest ~/.cache/jmultifd/it/rootfs-*.tar that is not -noqpl, built by
#       `bash ci/it-env.sh start`) into CHROOT (a directory outside the repository), then installs qemu-system-x86
#       and python3 there with apt-get (-o Acquire::Check-Valid-Until=false: the rootfs may be older than its
#       Release file's validity). Rerunning it on an existing CHROOT only installs what is missing.
#   bench/qemu-snapshot.sh run CHROOT IMAGE SHA256 WORKDIR CHANNELS on|off mapped-ram|stream
#       Bind-mounts IMAGE and WORKDIR into CHROOT, runs bench/qemu_snapshot.py there (see its docstring: the
#       QEMU command lines, capabilities and parameters, what is timed) and prints its one line of key=value
#       pairs. The snapshot file is written in WORKDIR and deleted afterwards.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
die() { echo "qemu-snapshot: $*" >&2; exit 1; }
usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ $# -ge 2 ] || usage
[ "$(id -u)" = 0 ] || die "must run as root (chroot, bind mounts, drop_caches)"
mode=$1
chroot_dir=$(readlink -f "$2")

# Mounts made by this run, undone on exit (innermost first).
mounted=()
cleanup() {
    local i
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount "${mounted[$i]}" 2>/dev/null || umount -l "${mounted[$i]}" || true; done
}
trap cleanup EXIT
bind() { # SOURCE TARGET: bind-mounts unless TARGET is already a mount point
    if ! mountpoint -q "$2"; then mount --bind "$1" "$2"; mounted+=("$2"); fi
}
system_mounts() {
    bind /proc "$chroot_dir/proc"
    bind /dev "$chroot_dir/dev"
    bind /sys "$chroot_dir/sys"
}

case "$mode" in
setup)
    [ $# -le 3 ] || usage
    tarball=${3:-}
    if [ -z "$tarball" ]; then
        tarball=$(ls -t "${JMULTIFD_IT_CACHE:-$HOME/.cache/jmultifd/it}"/rootfs-*.tar 2>/dev/null | grep -v -- -noqpl | head -n 1 || true)
        [ -n "$tarball" ] || die "no rootfs-*.tar under ~/.cache/jmultifd/it: run 'bash ci/it-env.sh start' first, or name one"
    fi
    case "$chroot_dir" in "$(cd "$here/.." && pwd)"*) die "CHROOT must be outside the repository" ;; esac
    if [ ! -x "$chroot_dir/usr/bin/apt-get" ]; then
        mkdir -p "$chroot_dir"
        echo "qemu-snapshot: extracting $tarball into $chroot_dir" >&2
        tar --numeric-owner -C "$chroot_dir" -xf "$tarball"
    fi
    cp /etc/resolv.conf "$chroot_dir/etc/resolv.conf"
    system_mounts
    if ! chroot "$chroot_dir" sh -c 'command -v qemu-system-x86_64 && command -v python3' >/dev/null; then
        chroot "$chroot_dir" apt-get -o Acquire::Check-Valid-Until=false update
        chroot "$chroot_dir" env DEBIAN_FRONTEND=noninteractive apt-get -o Acquire::Check-Valid-Until=false \
            install -y --no-install-recommends qemu-system-x86 python3
    fi
    chroot "$chroot_dir" qemu-system-x86_64 --version | head -n 1
    ;;
run)
    [ $# -eq 8 ] || usage
    image=$(readlink -f "$3") sha=$4 workdir=$(readlink -f "$5") channels=$6 direct_io=$7 layout=$8
    [ -f "$image" ] || die "no image $image"
    [ -d "$workdir" ] || die "no directory $workdir"
    chroot "$chroot_dir" sh -c 'command -v qemu-system-x86_64' >/dev/null 2>&1 \
        || die "$chroot_dir has no qemu-system-x86_64: run 'bench/qemu-snapshot.sh setup $chroot_dir' first"
    inner=/jmultifd-bench
    mkdir -p "$chroot_dir$inner/work"
    touch "$chroot_dir$inner/image.img" "$chroot_dir$inner/qemu_snapshot.py"
    system_mounts
    bind "$image" "$chroot_dir$inner/image.img"
    bind "$workdir" "$chroot_dir$inner/work"
    bind "$here/qemu_snapshot.py" "$chroot_dir$inner/qemu_snapshot.py"
    chroot "$chroot_dir" python3 "$inner/qemu_snapshot.py" "$inner/image.img" "$sha" "$inner/work" \
        "$channels" "$direct_io" "$layout"
    ;;
*) usage ;;
esac
