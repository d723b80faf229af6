package io.jmultifd.linux;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jmultifd.linux.ffi.linux_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** getrusage's page faults: the first write to each page of a fresh mapping is a minor fault of the writing thread. */
@EnabledOnOs(value = OS.LINUX, architectures = "amd64")
class ResourceUsageTest {
    private static final int PAGES = 64;

    @Test
    void firstWritesToFreshPagesAreMinorFaultsOfTheWritingThread() throws Exception {
        AtomicReference<ResourceUsage.PageFaults> writer = new AtomicReference<>();
        ResourceUsage.PageFaults processBefore = ResourceUsage.process();
        try (Arena arena = Arena.ofShared()) {
            // 256 KiB, never advised: small pages whatever the THP mode, one fault per page written.
            MemorySegment fresh = VirtualMemory.mapAnonymous(arena, PAGES * 4096L, linux_h.MAP_NORESERVE());
            Thread t = Thread.ofPlatform().start(() -> {
                ResourceUsage.PageFaults before = ResourceUsage.thread();
                for (long page = 0; page < PAGES; page++) {
                    fresh.set(ValueLayout.JAVA_BYTE, page * 4096, (byte) 1);
                }
                writer.set(ResourceUsage.thread().minus(before));
            });
            t.join();
        }
        ResourceUsage.PageFaults faults = writer.get();
        assertTrue(faults.minor() >= PAGES, () -> "one minor fault per page at least: " + faults);
        assertTrue(faults.major() >= 0, faults::toString);
        ResourceUsage.PageFaults process = ResourceUsage.process().minus(processBefore);
        assertTrue(process.minor() >= faults.minor(), () -> "the process counts the ended thread's faults too: "
                + process + " against " + faults);
    }

    @Test
    void aThreadCountsOnlyItsOwnFaults() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment fresh = VirtualMemory.mapAnonymous(arena, PAGES * 4096L, linux_h.MAP_NORESERVE());
            ResourceUsage.PageFaults before = ResourceUsage.thread();
            Thread t = Thread.ofPlatform().start(() -> {
                for (long page = 0; page < PAGES; page++) {
                    fresh.set(ValueLayout.JAVA_BYTE, page * 4096, (byte) 1);
                }
            });
            t.join();
            ResourceUsage.PageFaults mine = ResourceUsage.thread().minus(before);
            assertTrue(mine.minor() < PAGES, () -> "the other thread's " + PAGES + " faults are not ours: " + mine);
        }
    }

    /** The process's CPU time counts a thread that ended: at least what the JVM measured for that thread. */
    @Test
    void processCpuTimeCountsEndedThreads() throws Exception {
        long before = ResourceUsage.processCpuNanos();
        java.util.concurrent.atomic.AtomicLong spent = new java.util.concurrent.atomic.AtomicLong();
        Thread t = Thread.ofPlatform().start(() -> {
            java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
            long start = mx.getCurrentThreadCpuTime();
            long x = 1;
            while (mx.getCurrentThreadCpuTime() - start < 50_000_000L) {
                x = x * 6364136223846793005L + 1442695040888963407L;
            }
            spent.set(mx.getCurrentThreadCpuTime() - start + (x == 42 ? 1 : 0));
        });
        t.join();
        long process = ResourceUsage.processCpuNanos() - before;
        // getrusage rounds to microseconds (timeval) and the kernel's tick accounting may lag by a tick or two.
        assertTrue(process >= spent.get() - 20_000_000L, () -> "process " + process + " ns, thread " + spent + " ns");
    }
}
