#!/usr/bin/env bash
# Environment for the integration tests (module `it`): podman + runc from Debian's packages, a private podman
# configuration, two local images built from Debian unstable (no registry pull is possible here), and podman's
# Docker-compatible API socket for Testcontainers.
#
#   bash ci/it-env.sh                      install + build the images (cached), then exit
#   bash ci/it-env.sh CMD [ARG...]         the same, then run CMD with the socket up and the test variables set;
#                                          exits with CMD's status and stops the socket whatever happens
#   e.g. bash ci/it-env.sh mvn -pl it -am verify
#   eval "$(bash ci/it-env.sh start)"      the same environment for the calling shell (prints `export` lines);
#   bash ci/it-env.sh stop                 ...and stopping its socket afterwards
#
# Variables (all optional): JMULTIFD_IT_CACHE (default ~/.cache/jmultifd/it: rootfs tarballs, podman config,
# logs), JMULTIFD_IT_JAVA_PACKAGE (default openjdk-25-jre-headless), JMULTIFD_IT_SUITE (default unstable),
# JMULTIFD_IT_REBUILD=1 (build the images afresh even though the recipe did not change).
# Exported to CMD: DOCKER_HOST, TESTCONTAINERS_RYUK_DISABLED=true, JMULTIFD_IT=1,
# JMULTIFD_IT_IMAGE (with the distribution's libqpl1), JMULTIFD_IT_IMAGE_NOQPL (same rootfs, libqpl1 purged),
# CONTAINERS_CONF / CONTAINERS_STORAGE_CONF (so the tests can call `podman` with the same configuration).
set -euo pipefail

log() { echo "it-env: $*" >&2; }
die() { echo "it-env: error: $*" >&2; exit 1; }

# `start` is eval'd by the caller: when it fails, print a command that fails there as well, so that
# `eval "$(ci/it-env.sh start)"` under `set -e` stops the caller rather than running the tests without the
# environment (eval of an empty string succeeds).
if [ "${1:-}" = start ]; then
    trap 'rc=$?; [ "$rc" -eq 0 ] || echo "echo \"it-env: start failed (exit $rc); see the messages above\" >&2; false"' EXIT
fi

[ "$(id -u)" = 0 ] || die "must run as root (apt-get, debootstrap and rootful podman need it)"

CACHE=${JMULTIFD_IT_CACHE:-${HOME:-/root}/.cache/jmultifd/it}
SUITE=${JMULTIFD_IT_SUITE:-unstable}
JAVA_PACKAGE=${JMULTIFD_IT_JAVA_PACKAGE:-openjdk-25-jre-headless}
# Everything the image needs: the distribution's QPL and a Java >= 25 runtime (the jars are built for 25).
IMAGE_PACKAGES="libqpl1,$JAVA_PACKAGE"
IMAGE_REPO=localhost/jmultifd-it
# RECIPE_HASH, IMAGE and IMAGE_NOQPL are set by name_images, once the build functions below are defined.

mkdir -p "$CACHE"

# ---- host packages ------------------------------------------------------------------------------------------
# podman pulls in conmon, containers-common and the CNI plugins; runc is named so that apt does not take crun
# (crun cannot drive this host's cgroups). No recommends: rootful podman with host networking needs neither
# uidmap, fuse-overlayfs nor slirp4netns. wget comes with debootstrap.
install_host_packages() {
    local missing=() p
    for p in podman runc debootstrap; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing ${missing[*]}"
    apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
        "${missing[@]}" >&2
}

# ---- private podman configuration -----------------------------------------------------------------------------
# Written under the cache dir and selected with CONTAINERS_CONF / CONTAINERS_STORAGE_CONF; system files stay as
# they are. default_ulimits = []: podman's default asks for nofile limits the sandbox refuses.
write_podman_config() {
    local conf_dir="$CACHE/podman" driver
    mkdir -p "$conf_dir"
    cat > "$conf_dir/containers.conf" <<EOF
[containers]
default_ulimits = []
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
EOF
    driver=$(storage_driver)
    cat > "$conf_dir/storage.conf" <<EOF
[storage]
driver = "$driver"
runroot = "/run/containers/storage"
graphroot = "/var/lib/containers/storage"
EOF
    export CONTAINERS_CONF="$conf_dir/containers.conf"
    export CONTAINERS_STORAGE_CONF="$conf_dir/storage.conf"
}

# overlay when the kernel lets us mount it on this file system, else vfs (slow, but works everywhere).
# A graphroot once used with one driver must keep it, so an existing store decides.
storage_driver() {
    local store=/var/lib/containers/storage t
    if [ -d "$store/overlay" ] && [ -n "$(ls -A "$store/overlay" 2>/dev/null)" ]; then echo overlay; return; fi
    if [ -d "$store/vfs" ] && [ -n "$(ls -A "$store/vfs" 2>/dev/null)" ]; then echo vfs; return; fi
    mkdir -p "$store"
    t=$(mktemp -d "$store/.overlay-probe.XXXXXX")
    mkdir -p "$t/l" "$t/u" "$t/w" "$t/m"
    if mount -t overlay overlay -o "lowerdir=$t/l,upperdir=$t/u,workdir=$t/w" "$t/m" 2>/dev/null; then
        umount "$t/m"; rm -rf "$t"; echo overlay
    else
        rm -rf "$t"; echo vfs
    fi
}

# ---- image --------------------------------------------------------------------------------------------------
# The Debian mirror this machine already uses, read from its apt configuration (never written into the repo).
debian_mirror() {
    local uri
    uri=$(debian_archive_uri)
    if [ -z "$uri" ]; then
        # indextargets reads the downloaded Release files: without lists (never updated, or cleaned) it finds none.
        apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
        uri=$(debian_archive_uri)
    fi
    [ -n "$uri" ] || die "no Debian archive (Origin and Label 'Debian') in this machine's apt sources"
    echo "$uri"
}

debian_archive_uri() {
    # shellcheck disable=SC2016 # $(...) are apt's format fields, not shell
    apt-get indextargets --format '$(ORIGIN)|$(LABEL)|$(REPO_URI)' 'Created-By: Packages' 2>/dev/null \
        | awk -F'|' '$1 == "Debian" && $2 == "Debian" { print $3; exit }'
}

image_exists() { podman image exists "$1"; }

# A build that failed or was killed leaves its rootfs (maybe with proc still mounted inside) behind.
remove_build_dirs() {
    local d
    for d in "$CACHE"/rootfs-build.*; do
        [ -d "$d" ] || continue
        awk -v d="$d" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do
            umount -l "$m" || true
        done
        rm -rf "$d"
    done
}

build_rootfs_tarballs() {
    local full="$CACHE/rootfs-$RECIPE_HASH.tar" noqpl="$CACHE/rootfs-$RECIPE_HASH-noqpl.tar"
    [ -s "$full" ] && [ -s "$noqpl" ] && return 0
    local mirror root start
    mirror=$(debian_mirror)
    remove_build_dirs
    root=$(mktemp -d "$CACHE/rootfs-build.XXXXXX")
    start=$(date +%s)
    log "debootstrap $SUITE (minbase + $IMAGE_PACKAGES) from $mirror into $root"
    debootstrap --variant=minbase --arch=amd64 --include="$IMAGE_PACKAGES" \
        --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
        "$SUITE" "$root" "$mirror" > "$CACHE/debootstrap.log" 2>&1 \
        || { tail -30 "$CACHE/debootstrap.log" >&2; die "debootstrap failed (log: $CACHE/debootstrap.log)"; }
    # The image must hold what the tests rely on: the system libqpl and a java that runs.
    ls "$root"/usr/lib/x86_64-linux-gnu/libqpl.so.* >/dev/null 2>&1 || die "libqpl1 did not install a libqpl.so.*"
    # (java finds libjli.so through /proc/self/exe, so it needs /proc as it will have in a container)
    mount -t proc proc "$root/proc"
    chroot "$root" java -version >/dev/null 2>&1 || { umount "$root/proc"; die "java from $JAVA_PACKAGE does not run in the rootfs"; }
    umount "$root/proc"
    # Smaller image: package caches, lists, docs and locales are never used in a container.
    chroot "$root" apt-get clean
    rm -rf "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/* \
        "$root"/usr/share/locale/* "$root"/usr/share/info/* "$root"/var/log/*.log "$root"/var/cache/debconf/*-old
    tar --numeric-owner -C "$root" -cf "$full.part" . && mv "$full.part" "$full"
    # The "no libqpl" variant: the same rootfs with the distribution's package purged.
    chroot "$root" dpkg --purge libqpl1 >&2
    ! ls "$root"/usr/lib/x86_64-linux-gnu/libqpl.so* >/dev/null 2>&1 || die "libqpl is still there after purge"
    tar --numeric-owner -C "$root" -cf "$noqpl.part" . && mv "$noqpl.part" "$noqpl"
    remove_build_dirs
    log "rootfs built in $(( $(date +%s) - start ))s: $(du -h "$full" | cut -f1) ($full)"
}

# The recipe is what the image holds and the steps that make it: the suite, the packages and the build functions
# as bash prints them (comments dropped, so editing a comment rebuilds nothing). Its hash names the images and
# tarballs: any change builds new ones, an unchanged recipe reuses what an earlier run built. (Debian unstable
# moves on meanwhile; JMULTIFD_IT_REBUILD=1 builds afresh from today's packages.)
name_images() {
    RECIPE_HASH=$( { printf 'suite=%s variant=minbase arch=amd64 packages=%s\n' "$SUITE" "$IMAGE_PACKAGES"
                     declare -f build_rootfs_tarballs remove_build_dirs; } | sha256sum | cut -c1-12)
    IMAGE="$IMAGE_REPO:$RECIPE_HASH"
    IMAGE_NOQPL="$IMAGE_REPO:$RECIPE_HASH-noqpl"
}

build_images() {
    if [ "${JMULTIFD_IT_REBUILD:-0}" = 1 ]; then
        log "JMULTIFD_IT_REBUILD=1: removing $IMAGE, $IMAGE_NOQPL and their rootfs tarballs"
        podman rmi -f "$IMAGE" "$IMAGE_NOQPL" >/dev/null 2>&1 || true
        rm -f "$CACHE/rootfs-$RECIPE_HASH.tar" "$CACHE/rootfs-$RECIPE_HASH-noqpl.tar"
    fi
    if image_exists "$IMAGE" && image_exists "$IMAGE_NOQPL"; then
        log "images $IMAGE and $IMAGE_NOQPL present (cached)"
        return 0
    fi
    build_rootfs_tarballs
    image_exists "$IMAGE" || podman import --quiet "$CACHE/rootfs-$RECIPE_HASH.tar" "$IMAGE" >/dev/null
    image_exists "$IMAGE_NOQPL" || podman import --quiet "$CACHE/rootfs-$RECIPE_HASH-noqpl.tar" "$IMAGE_NOQPL" >/dev/null
    log "imported $IMAGE and $IMAGE_NOQPL"
    remove_stale_images
}

# Images and tarballs of earlier recipes would only fill the disk (about 1.3 GiB a recipe).
remove_stale_images() {
    local img tarball
    podman images --format '{{.Repository}}:{{.Tag}}' | awk -v repo="$IMAGE_REPO:" 'index($0, repo) == 1' \
        | while read -r img; do
            if [ "$img" != "$IMAGE" ] && [ "$img" != "$IMAGE_NOQPL" ]; then
                log "removing $img (an earlier recipe)"
                podman rmi -f "$img" >/dev/null 2>&1 || true
            fi
        done
    for tarball in "$CACHE"/rootfs-*.tar; do
        case "$tarball" in
            "$CACHE/rootfs-$RECIPE_HASH.tar" | "$CACHE/rootfs-$RECIPE_HASH-noqpl.tar") ;;
            *) rm -f "$tarball" ;;   # (no match leaves the pattern itself: rm -f of nothing succeeds)
        esac
    done
}

# ---- API socket ---------------------------------------------------------------------------------------------
STATE_DIR="$CACHE/run"     # pid + socket of a service left running by `start`, for `stop`
SERVICE_PID=
start_service() {
    stop_service   # a service left by a killed run would hold the socket
    mkdir -p "$STATE_DIR"
    local sock="$STATE_DIR/podman.sock"
    rm -f "$sock"
    # setsid: the service must not get the terminal's Ctrl-C before the tests have cleaned their containers.
    setsid podman system service --time=0 "unix://$sock" > "$CACHE/podman-service.log" 2>&1 < /dev/null &
    SERVICE_PID=$!
    echo "$SERVICE_PID" > "$STATE_DIR/podman.pid"
    for _ in $(seq 1 100); do
        [ -S "$sock" ] && break
        kill -0 "$SERVICE_PID" 2>/dev/null || { cat "$CACHE/podman-service.log" >&2; die "podman system service exited"; }
        sleep 0.1
    done
    [ -S "$sock" ] || die "podman socket $sock did not appear within 10s"
    export DOCKER_HOST="unix://$sock"
    log "podman API on $DOCKER_HOST (pid $SERVICE_PID, log $CACHE/podman-service.log)"
}

stop_service() {
    local pid
    pid=$(cat "$STATE_DIR/podman.pid" 2>/dev/null || true)
    # Only our own service: the pid file's process must still be a podman system service.
    if [ -n "$pid" ] && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q 'podman system service'; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$STATE_DIR/podman.pid" "$STATE_DIR/podman.sock"
    # Containers a killed test run may have left behind (the tests label theirs).
    podman ps -aq --filter label=io.jmultifd.it=true 2>/dev/null | xargs -r podman rm -f >/dev/null 2>&1 || true
}

export_test_env() {
    export TESTCONTAINERS_RYUK_DISABLED=true   # Ryuk's image cannot be pulled; the tests remove their containers
    export TESTCONTAINERS_CHECKS_DISABLE=true  # the startup checks would pull an image too
    export JMULTIFD_IT=1 JMULTIFD_IT_IMAGE="$IMAGE" JMULTIFD_IT_IMAGE_NOQPL="$IMAGE_NOQPL"
}

main() {
    case "${1:-}" in
        stop)
            write_podman_config
            stop_service
            return 0 ;;
        start)
            # For callers that keep their own shell: eval "$(ci/it-env.sh start)" ... ci/it-env.sh stop
            install_host_packages
            write_podman_config
            build_images
            start_service
            export_test_env
            local v
            for v in DOCKER_HOST TESTCONTAINERS_RYUK_DISABLED TESTCONTAINERS_CHECKS_DISABLE JMULTIFD_IT \
                     JMULTIFD_IT_IMAGE JMULTIFD_IT_IMAGE_NOQPL CONTAINERS_CONF CONTAINERS_STORAGE_CONF; do
                printf 'export %s=%q\n' "$v" "${!v}"
            done
            return 0 ;;
    esac
    install_host_packages
    write_podman_config
    build_images
    [ $# -eq 0 ] && return 0
    trap stop_service EXIT
    trap 'exit 130' INT TERM
    start_service
    export_test_env
    local rc=0
    "$@" || rc=$?
    return $rc
}

name_images
main "$@"
