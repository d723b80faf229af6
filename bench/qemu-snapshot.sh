#!/usr/bin/env bash
# QEMU's row of the snapshot benchmark: QEMU (Debian unstable's qemu-system-x86) saves and restores a guest whose
# RAM is a guest image, in a chroot of the unstable root file system that ci/it-env.sh builds. Root only (chroot,
# bind mounts, dropping the page cache).
#
#   bench/qemu-snapshot.sh setup CHROOT [ROOTFS_TAR]
#       The same as bench/qemu-env.sh setup CHROOT [ROOTFS_TAR]: the chroot with QEMU and python3.
#   bench/qemu-snapshot.sh run CHROOT IMAGE SHA256 WORKDIR CHANNELS on|off mapped-ram|stream
#       Runs bench/qemu_snapshot.py in CHROOT (bench/qemu-env.sh exec, with IMAGE and WORKDIR bind-mounted; see
#       its docstring: the QEMU command lines, capabilities and parameters, what is timed) and prints its one line
#       of key=value pairs. The snapshot file is written in WORKDIR and deleted afterwards.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
die() { echo "qemu-snapshot: $*" >&2; exit 1; }
usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ $# -ge 2 ] || usage
mode=$1

case "$mode" in
setup)
    [ $# -le 3 ] || usage
    exec "$here/qemu-env.sh" "$@"
    ;;
run)
    [ $# -eq 8 ] || usage
    chroot_dir=$2 image=$3 sha=$4 workdir=$5 channels=$6 direct_io=$7 layout=$8
    [ -f "$image" ] || die "no image $image"
    [ -d "$workdir" ] || die "no directory $workdir"
    inner=/jmultifd-bench
    exec "$here/qemu-env.sh" exec "$chroot_dir" "$image=$inner/image.img" "$workdir=$inner/work" \
        "$here/qemu_snapshot.py=$inner/qemu_snapshot.py" -- \
        python3 "$inner/qemu_snapshot.py" "$inner/image.img" "$sha" "$inner/work" "$channels" "$direct_io" "$layout"
    ;;
*) usage ;;
esac
