package io.jmultifd.linux;

import io.jmultifd.linux.ffi.linux_h;
import io.jmultifd.linux.ffi.rusage;
import io.jmultifd.linux.ffi.timeval;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * getrusage(2)'s page-fault counters and the process's CPU time. Faults of the calling thread
 * ({@code RUSAGE_THREAD}, counted from the thread's start) or of the whole process ({@code RUSAGE_SELF}). A minor fault is one the kernel resolved without I/O (e.g.
 * the first touch of anonymous memory: a fresh page is zeroed and mapped), a major one needed I/O.
 */
public final class ResourceUsage {
    private ResourceUsage() {}

    /** Page faults so far; {@link #minus} gives those of an interval. */
    public record PageFaults(long minor, long major) {
        public static final PageFaults NONE = new PageFaults(0, 0);

        public PageFaults plus(PageFaults other) {
            return new PageFaults(minor + other.minor, major + other.major);
        }

        public PageFaults minus(PageFaults earlier) {
            return new PageFaults(minor - earlier.minor, major - earlier.major);
        }
    }

    /** The calling thread's page faults since it started. */
    public static PageFaults thread() {
        return of(linux_h.RUSAGE_THREAD());
    }

    /** The page faults of every thread of the process, those that ended included. */
    public static PageFaults process() {
        return of(linux_h.RUSAGE_SELF());
    }

    /**
     * CPU time (user + system) of every thread of the process so far, those that ended included: the JIT's and
     * the garbage collector's as well as the application's.
     */
    public static long processCpuNanos() {
        NativeCalls.requireAvailable();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment usage = rusage.allocate(arena);
            int rc = linux_h.getrusage(linux_h.RUSAGE_SELF(), usage);
            if (rc != 0) {
                throw new IllegalStateException("getrusage(RUSAGE_SELF) returned " + rc);
            }
            return nanos(rusage.ru_utime(usage)) + nanos(rusage.ru_stime(usage));
        }
    }

    private static long nanos(MemorySegment time) {
        return timeval.tv_sec(time) * 1_000_000_000L + timeval.tv_usec(time) * 1_000L;
    }

    private static PageFaults of(int who) {
        NativeCalls.requireAvailable();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment usage = rusage.allocate(arena);
            // Only EFAULT (a bad pointer) or EINVAL (a bad who) can fail it: neither is possible here.
            int rc = linux_h.getrusage(who, usage);
            if (rc != 0) {
                throw new IllegalStateException("getrusage(" + who + ") returned " + rc);
            }
            return new PageFaults(rusage.ru_minflt(usage), rusage.ru_majflt(usage));
        }
    }
}
