/*
 * Debian unstable builds libqpl against glibc >= 2.38, whose headers map strtol/strtoll to the C23
 * entry points __isoc23_strtol/__isoc23_strtoll (symbol version GLIBC_2.38). Older glibc (Debian 12
 * has 2.36) lacks them, and that is the only reason the shipped libqpl.so.1 fails to load there.
 * ci/provision-libqpl.sh relinks libqpl.a with this file; the version script it uses keeps these two
 * symbols local to libqpl so that nothing else in the process binds to them.
 *
 * The C23 variants differ from the C99 ones only in also accepting a "0b"/"0B" prefix when base is 0
 * or 2; QPL calls them while parsing numbers from its accelerator configuration (sysfs/environment),
 * which never carries binary literals, so forwarding is exact for QPL's use.
 */
#include <stdlib.h>

long __isoc23_strtol(const char *restrict text, char **restrict end, int base)
{
    return strtol(text, end, base);
}

long long __isoc23_strtoll(const char *restrict text, char **restrict end, int base)
{
    return strtoll(text, end, base);
}
