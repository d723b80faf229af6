# Sourced by every script of the project: exports JAVA_HOME (and PATH) for a JDK >= 22, which FFM needs.
# Order: $JAVA_HOME if it is new enough, `java` on PATH, then the JDKs under /usr/lib/jvm (newest first).
# The default java on Debian 12 is 17, so the search usually ends under /usr/lib/jvm.

jdk_feature_version() { # $1 = a JDK home; prints its feature version (e.g. 25) or nothing
    [ -x "$1/bin/javac" ] || return 0
    # The JDK's release file says it without starting a JVM (which costs each launcher run ~0.2 s of CPU).
    local release
    release=$(sed -n 's/^JAVA_VERSION="\([0-9][0-9]*\)[."].*/\1/p' "$1/release" 2>/dev/null)
    if [ -n "$release" ]; then
        echo "$release"
        return 0
    fi
    "$1/bin/java" -XshowSettings:properties -version 2>&1 \
        | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p'
}

jdk_find() {
    local candidates=() c v
    [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
    if command -v javac >/dev/null 2>&1; then
        candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")")
    fi
    for c in $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do candidates+=("${c%/}"); done
    for c in "${candidates[@]}"; do
        v=$(jdk_feature_version "$c")
        if [ -n "$v" ] && [ "$v" -ge 22 ]; then
            echo "$c"
            return 0
        fi
    done
    echo "jmultifd: no JDK >= 22 found (looked at \$JAVA_HOME, javac on PATH, /usr/lib/jvm/*);" \
         "install one, e.g. Temurin 25, and set JAVA_HOME" >&2
    return 1
}

JAVA_HOME=$(jdk_find) || return 1 2>/dev/null || exit 1
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
