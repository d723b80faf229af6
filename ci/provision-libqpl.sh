#!/usr/bin/env bash
# Gives this machine a libqpl 1.9.0 that loads, for the QPL software path (and the hardware path where
# an IAA device and libaccel-config exist).
#
#   ci/provision-libqpl.sh                 provision if needed, verify, print library and include paths
#   ci/provision-libqpl.sh --print-lib     provision if needed, print only the library path
#   ci/provision-libqpl.sh --print-include provision if needed, print only the include dir (holds qpl/qpl.h)
#
# Order:
#   1. a system-wide libqpl.so.1 that the dynamic linker knows (ldconfig -p) and that loads: used as is;
#   2. the cache ${JMULTIFD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/jmultifd}/libqpl-1.9.0/, made by an
#      earlier run (no network work then);
#   3. otherwise build the cache from Debian unstable's libqpl1/libqpl-dev 1.9.0:
#      - apt runs with a private sources list, state and cache dir; the system's apt state is untouched;
#        the mirror is the one the system's own apt sources use for the main Debian archive
#        (override: JMULTIFD_DEBIAN_MIRROR); signatures are checked with the system's
#        debian-archive-keyring.gpg, and apt checks each .deb against the signed index;
#      - unstable's libqpl.so.1 is linked against glibc >= 2.38 and fails to load on older glibc only for
#        want of __isoc23_strtol/__isoc23_strtoll; so the library is relinked from libqpl.a plus
#        ci/qpl-glibc-compat.c, exporting the same qpl_* API;
#      - ci/qpl-check.c then loads the result with dlopen and compresses + decompresses one page on the
#        software path.
# Messages go to stderr; only the requested paths go to stdout. Exits non-zero with a reason on failure.
set -euo pipefail

readonly QPL_VERSION=1.9.0
readonly SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly CACHE_ROOT=${JMULTIFD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/jmultifd}
readonly DEST=$CACHE_ROOT/libqpl-$QPL_VERSION
readonly DEBIAN_KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

say() { echo "provision-libqpl: $*" >&2; }
die() { echo "provision-libqpl: error: $*" >&2; exit 1; }

mode=all
case "${1:-}" in
    "") ;;
    --print-lib) mode=lib ;;
    --print-include) mode=include ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) die "unknown argument '$1' (expected --print-lib, --print-include or nothing)" ;;
esac
[ $# -le 1 ] || die "expected at most one argument, got $#"

# ---------------------------------------------------------------------------------------------- tools

have_c_toolchain() {
    command -v gcc >/dev/null 2>&1 || return 1
    # gcc prints the bare name back when it cannot find the file.
    local libstdcxx
    libstdcxx=$(gcc -print-file-name=libstdc++.so)
    [ "$libstdcxx" != libstdc++.so ] && [ -e "$libstdcxx" ] \
        && [ -e /usr/include/stdlib.h ] && command -v nm >/dev/null 2>&1
}

ensure_c_toolchain() {
    have_c_toolchain && return 0
    [ "$(id -u)" = 0 ] || die "gcc, g++'s libstdc++ and binutils are needed to relink libqpl;" \
        "install them (apt-get install gcc g++ binutils) or run this script as root"
    say "installing gcc, g++ and binutils with the system's apt"
    apt-get update -qq >&2 || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gcc g++ binutils libc6-dev >&2 \
        || die "apt-get install gcc g++ binutils failed"
    have_c_toolchain || die "gcc is installed but cannot find libstdc++.so; install g++"
}

# Builds ci/qpl-check.c into $1; with headers dir $2 it also does the compress/decompress round trip.
build_checker() {
    local out=$1 include_dir=${2:-}
    if [ -n "$include_dir" ]; then
        gcc -O1 -Wall -DQPL_CHECK_ROUNDTRIP -I "$include_dir" -o "$out" "$SCRIPT_DIR/qpl-check.c" -ldl
    else
        gcc -O1 -Wall -o "$out" "$SCRIPT_DIR/qpl-check.c" -ldl
    fi
}

# ------------------------------------------------------------------------------------- 1. system-wide

# Prints "<path><TAB><version>" of a system-wide libqpl.so.1 1.9.x that loads, or nothing.
system_libqpl() {
    local candidate checker tmp version
    command -v ldconfig >/dev/null 2>&1 || [ -x /sbin/ldconfig ] || return 0
    for candidate in $( { ldconfig -p 2>/dev/null || /sbin/ldconfig -p; } \
                         | awk '$1 == "libqpl.so.1" { print $NF }'); do
        [ -e "$candidate" ] || continue
        command -v gcc >/dev/null 2>&1 || { say "found $candidate but cannot check that it loads without gcc"; continue; }
        tmp=$(mktemp -d)
        checker=$tmp/qpl-check
        if build_checker "$checker" && "$checker" "$candidate" >"$tmp/out" 2>"$tmp/err"; then
            version=$(sed -n 's/^version=//p' "$tmp/out")
            rm -rf "$tmp"
            # jmultifd's bindings are generated from 1.9.0 and its loader accepts only 1.9.x.
            case "$version" in
                1.9|1.9.*) printf '%s\t%s\n' "$candidate" "$version"; return 0 ;;
                *) say "system libqpl $candidate is version '$version', not 1.9.x; not using it"; continue ;;
            esac
        fi
        say "system libqpl $candidate does not load: $(cat "$tmp/err" 2>/dev/null)"
        rm -rf "$tmp"
    done
    return 0
}

# Prints the include dir holding a qpl/qpl.h for the system library, or nothing.
system_include() {
    local dir
    dir=$(pkg-config --variable=includedir qpl 2>/dev/null || true)
    for d in "$dir" /usr/local/include /usr/include; do
        [ -n "$d" ] && [ -f "$d/qpl/qpl.h" ] && { echo "$d"; return 0; }
    done
    return 0
}

# ------------------------------------------------------------------------------------------- 2. cache

cache_complete() {
    [ -f "$DEST/.complete" ] && [ -f "$DEST/lib/libqpl.so.1" ] && [ -f "$DEST/include/qpl/qpl.h" ] \
        && [ -x "$DEST/bin/qpl-check" ]
}

# Runs the cached checker on the cached library; prints its version line.
check_cache() {
    local output
    output=$("$DEST/bin/qpl-check" "$DEST/lib/libqpl.so.1") || return 1
    sed -n 's/^version=//p' <<<"$output"
}

# ---------------------------------------------------------------------------------------- 3. provision

# The main Debian archive URI from the system's apt sources (deb822 first, then one-line format).
debian_mirror() {
    if [ -n "${JMULTIFD_DEBIAN_MIRROR:-}" ]; then echo "$JMULTIFD_DEBIAN_MIRROR"; return 0; fi
    local codename f uri
    codename=$( . /etc/os-release 2>/dev/null; echo "${VERSION_CODENAME:-}")
    # deb822: a stanza of Types deb whose Suites name the release itself (not -security/-updates).
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        uri=$(awk -v codename="$codename" '
            function flush() {
                if (types ~ /(^| )deb( |$)/ && uris != "" && enabled != "no") {
                    n = split(suites, s, " ")
                    for (i = 1; i <= n; i++) {
                        if ((codename != "" && s[i] == codename) || (codename == "" && s[i] !~ /-/)) {
                            split(uris, u, " "); print u[1]; found = 1; exit
                        }
                    }
                }
                types = ""; uris = ""; suites = ""; enabled = ""
            }
            /^[ \t]*#/ { next }
            /^[ \t]*$/ { flush(); next }
            { line = $0; key = tolower(line); sub(/:.*/, "", key); sub(/^[^:]*:[ \t]*/, "", line) }
            key == "types" { types = line } key == "uris" { uris = line }
            key == "suites" { suites = line } key == "enabled" { enabled = tolower(line) }
            END { if (!found) flush() }' "$f")
        [ -n "$uri" ] && { echo "$uri"; return 0; }
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        uri=$(sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" \
              | awk -v codename="$codename" '$1 == "deb" && ($3 == codename || (codename == "" && $3 !~ /-/)) { print $2; exit }')
        [ -n "$uri" ] && { echo "$uri"; return 0; }
    done
    return 1
}

provision() {
    ensure_c_toolchain
    command -v apt-get >/dev/null 2>&1 && command -v dpkg-deb >/dev/null 2>&1 \
        || die "apt-get and dpkg-deb are needed to fetch libqpl from Debian; this is not a Debian-like system"
    [ -r "$DEBIAN_KEYRING" ] || die "$DEBIAN_KEYRING is missing; install debian-archive-keyring"
    local mirror
    mirror=$(debian_mirror) || die "could not find the main Debian archive in /etc/apt/sources.list(.d);" \
        "set JMULTIFD_DEBIAN_MIRROR to a Debian mirror URI"

    mkdir -p "$CACHE_ROOT"
    # Two working directories: the result is staged next to its final place (one rename publishes it),
    # apt's state and downloads go under the temporary directory, because apt drops to its sandbox user
    # _apt for downloads and that user cannot reach anything under a 0700 $HOME (a fresh machine's).
    local work apt_dir
    work=$(mktemp -d "$CACHE_ROOT/.provision.XXXXXX")
    apt_dir=$(mktemp -d "${TMPDIR:-/tmp}/jmultifd-apt.XXXXXX")
    trap 'rm -rf "$work" "$apt_dir"' EXIT
    mkdir -p "$apt_dir/etc/sources.list.d" "$apt_dir/etc/preferences.d" "$apt_dir/state/lists/partial" \
             "$apt_dir/cache/archives/partial" "$apt_dir/debs" "$work/root" "$work/out/lib" "$work/out/bin" \
             "$work/out/share"
    : > "$apt_dir/state/status"
    echo "deb [signed-by=$DEBIAN_KEYRING] $mirror unstable main" > "$apt_dir/etc/sources.list"
    local apt_opts=(
        -o "Dir::Etc::SourceList=$apt_dir/etc/sources.list"
        -o "Dir::Etc::SourceParts=$apt_dir/etc/sources.list.d"
        -o "Dir::Etc::Preferences=$apt_dir/etc/preferences"
        -o "Dir::Etc::PreferencesParts=$apt_dir/etc/preferences.d"
        -o "Dir::State=$apt_dir/state"
        -o "Dir::State::status=$apt_dir/state/status"
        -o "Dir::Cache=$apt_dir/cache"
        -o "Debug::NoLocking=1"
        -o "APT::Get::AllowUnauthenticated=false"
        -o "Acquire::AllowInsecureRepositories=false"
    )
    if [ "$(id -u)" = 0 ] && id _apt >/dev/null 2>&1; then
        # apt drops to _apt for downloads; let it write where it downloads.
        chown -R _apt "$apt_dir"
        chmod 755 "$apt_dir"
        if ! runuser -u _apt -- test -w "$apt_dir/state/lists/partial" 2>/dev/null; then
            # A temporary directory _apt cannot traverse either (TMPDIR under a private home): download as
            # root, said here rather than as apt's warning, which would fail the update check below.
            say "apt's download user _apt cannot reach $apt_dir; downloading as root"
            apt_opts+=(-o "APT::Sandbox::User=root")
        fi
    fi

    say "reading Debian unstable's package index from $mirror (private apt state in $apt_dir)"
    # --error-on=any: without it apt-get update exits 0 when the mirror cannot be reached.
    apt-get "${apt_opts[@]}" -q --error-on=any update >"$apt_dir/update.log" 2>&1 \
        || die "apt-get update of unstable failed (signature checked with $DEBIAN_KEYRING):
$(tail -n 8 "$apt_dir/update.log")"
    if grep -qE '^(W|E): ' "$apt_dir/update.log"; then
        die "apt-get update of unstable reported problems (signature checked with $DEBIAN_KEYRING):
$(grep -E '^(W|E):' "$apt_dir/update.log")"
    fi

    local pkg version
    for pkg in libqpl1 libqpl-dev; do
        version=$(apt-cache "${apt_opts[@]}" policy "$pkg" | awk '$1 == "Candidate:" { print $2 }')
        case "$version" in
            "$QPL_VERSION"-*) ;;
            ""|"(none)") die "Debian unstable has no package $pkg" ;;
            *) die "Debian unstable ships $pkg $version, this script provisions $QPL_VERSION only" ;;
        esac
        # Run-time dependencies beyond libc/libstdc++ would have to be provisioned as well.
        local extra
        extra=$(apt-cache "${apt_opts[@]}" depends "$pkg" | awk '$1 ~ /Depends:$/ { print $2 }' \
                | grep -vE '^(libc6|libstdc\+\+6|libgcc-s1|libqpl1)$' || true)
        [ -z "$extra" ] || say "note: $pkg $version also depends on: $(echo $extra) (not provisioned)"
        ( cd "$apt_dir/debs" && apt-get "${apt_opts[@]}" -q download "$pkg=$version" >>"$apt_dir/download.log" 2>&1 ) \
            || die "apt-get download $pkg=$version failed: $(tail -n 5 "$apt_dir/download.log")"
    done
    for deb in "$apt_dir"/debs/*.deb; do
        dpkg-deb -x "$deb" "$work/root"
    done

    local multiarch archive shipped
    multiarch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
    archive=$work/root/usr/lib/$multiarch/libqpl.a
    shipped=$work/root/usr/lib/$multiarch/libqpl.so.1
    [ -f "$archive" ] || die "libqpl-dev has no $archive"
    [ -f "$work/root/usr/include/qpl/qpl.h" ] || die "libqpl-dev has no usr/include/qpl/qpl.h"

    # Export exactly the C API the Debian library exports (qpl_*), nothing of the C++ internals or the shim.
    {
        echo "{ global:"
        if [ -e "$shipped" ]; then
            nm -D --defined-only "$shipped" | awk '$3 ~ /^qpl_/ { print "  " $3 ";" }'
        else
            echo "  qpl_*;"
        fi
        echo "  local: *; };"
    } > "$work/libqpl.map"

    say "relinking libqpl.so.1 from libqpl.a with the glibc < 2.38 compatibility shim"
    gcc -O2 -fPIC -Wall -c "$SCRIPT_DIR/qpl-glibc-compat.c" -o "$work/qpl-glibc-compat.o"
    gcc -shared -o "$work/out/lib/libqpl.so.1" -Wl,-soname,libqpl.so.1 \
        -Wl,--version-script="$work/libqpl.map" -Wl,--no-undefined -Wl,-z,now -Wl,-z,relro \
        -Wl,--whole-archive "$archive" -Wl,--no-whole-archive "$work/qpl-glibc-compat.o" \
        -lstdc++ -lm -ldl -pthread \
        || die "relinking libqpl.a failed (see the linker messages above)"
    ln -s libqpl.so.1 "$work/out/lib/libqpl.so"

    # Nothing may still ask for a glibc newer than this one.
    local glibc too_new
    glibc=$(ldd --version 2>/dev/null | awk 'NR == 1 { print $NF }')
    too_new=$(objdump -T "$work/out/lib/libqpl.so.1" | grep -oE 'GLIBC_[0-9.]+' | sort -u \
              | awk -F_ -v have="$glibc" '{ split($2, a, "."); split(have, b, ".");
                    if (a[1] > b[1] || (a[1] == b[1] && a[2] + 0 > b[2] + 0)) print $0 }')
    [ -z "$too_new" ] || die "the relinked library still needs $too_new (this glibc is $glibc)"

    cp -a "$work/root/usr/include" "$work/out/include"
    build_checker "$work/out/bin/qpl-check" "$work/out/include"
    local check_output
    check_output=$("$work/out/bin/qpl-check" "$work/out/lib/libqpl.so.1") \
        || die "the relinked libqpl does not work (qpl-check failed, see above)"
    say "round trip on the software path: $(sed -n 's/^roundtrip=//p' <<<"$check_output") bytes"

    {
        echo "libqpl $QPL_VERSION for jmultifd, made by ci/provision-libqpl.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ)"
        echo "from Debian unstable (index signature checked with $DEBIAN_KEYRING):"
        ( cd "$apt_dir/debs" && sha256sum ./*.deb )
        echo "relinked from libqpl.a + ci/qpl-glibc-compat.c for glibc $glibc"
    } > "$work/out/share/PROVENANCE"
    echo "$QPL_VERSION" > "$work/out/.complete"

    rm -rf "$DEST"
    mv "$work/out" "$DEST"
    rm -rf "$work" "$apt_dir"
    trap - EXIT
}

# QPL's hardware path dlopens libaccel-config.so.1 (Debian 12: package libaccel-config1); the software
# path never needs it, so its absence is only worth a note.
hardware_note() {
    if { ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null; } | grep -q 'libaccel-config\.so\.1 '; then
        say "hardware path: libaccel-config.so.1 is installed (IAA work queues still need to be configured)"
    else
        say "hardware path: libaccel-config.so.1 is not installed (apt-get install libaccel-config1); software path only"
    fi
}

# ------------------------------------------------------------------------------------------------ main

system_found=$(system_libqpl)
if [ -n "$system_found" ]; then
    system_lib=${system_found%%$'\t'*}
    system_version=${system_found#*$'\t'}
    case "$mode" in
        lib) echo "$system_lib"; exit 0 ;;
        all)
            say "using the system-wide library"
            echo "libqpl: $system_lib (version $system_version, system-wide)"
            inc=$(system_include)
            [ -z "$inc" ] || echo "include: $inc"
            hardware_note
            exit 0 ;;
        include)
            inc=$(system_include)
            if [ -n "$inc" ]; then echo "$inc"; exit 0; fi
            say "system libqpl $system_lib has no headers installed; using the provisioned cache for headers" ;;
    esac
fi

if ! cache_complete || ! version=$(check_cache 2>/dev/null) || [ -z "$version" ]; then
    # Several builds may start at once on an empty cache: one provisions, the others wait and reuse it.
    mkdir -p "$CACHE_ROOT"
    exec 9>"$CACHE_ROOT/.provision.lock"
    if command -v flock >/dev/null 2>&1; then
        flock 9
    fi
    if ! cache_complete; then
        say "no provisioned libqpl in $DEST; provisioning"
        provision
    elif ! version=$(check_cache) || [ -z "$version" ]; then
        say "the cached library in $DEST does not work any more; provisioning it again"
        provision
    fi
    exec 9>&-
fi
version=$(check_cache) || die "the library in $DEST does not load (see above); remove $DEST and run again"

case "$mode" in
    lib) echo "$DEST/lib/libqpl.so.1" ;;
    include) echo "$DEST/include" ;;
    all)
        echo "libqpl: $DEST/lib/libqpl.so.1 (version $version)"
        echo "include: $DEST/include"
        hardware_note ;;
esac
