package io.jmultifd.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU times from {@code /proc/PID/stat} (proc(5)): a process's own user + system time (fields 14 and 15, all its
 * threads) and that of its children it has waited for (fields 16 and 17). The values are clock ticks of USER_HZ,
 * which Linux fixes at 100 per second for user space on x86 and arm64 ({@code getconf CLK_TCK}).
 */
record ProcStat(long userTicks, long systemTicks, long childUserTicks, long childSystemTicks) {
    static final int TICKS_PER_SECOND = 100;

    /** The times of one /proc/PID/stat line; the command name in parentheses may hold spaces and parentheses. */
    static ProcStat parse(String line) {
        int close = line.lastIndexOf(')');
        if (close < 0) throw new IllegalArgumentException("not a /proc/PID/stat line (no \")\"): " + line);
        // After ") " come field 3 (state) onwards: utime is field 14, i.e. the 12th of these.
        String[] f = line.substring(close + 1).trim().split("\\s+");
        if (f.length < 15) throw new IllegalArgumentException("a /proc/PID/stat line with " + (f.length + 2) + " fields: " + line);
        try {
            return new ProcStat(Long.parseLong(f[11]), Long.parseLong(f[12]), Long.parseLong(f[13]), Long.parseLong(f[14]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a /proc/PID/stat line whose CPU times are no numbers: " + line);
        }
    }

    static ProcStat of(long pid) throws IOException {
        return parse(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
    }

    /** This JVM's: its children's times grow when a child it started has ended and been waited for. */
    static ProcStat self() throws IOException {
        return of(ProcessHandle.current().pid());
    }

    /** The process's own CPU seconds (user + system). */
    double seconds() {
        return (double) (userTicks + systemTicks) / TICKS_PER_SECOND;
    }

    /** CPU seconds of its ended, waited-for children (and theirs). */
    double childSeconds() {
        return (double) (childUserTicks + childSystemTicks) / TICKS_PER_SECOND;
    }
}
