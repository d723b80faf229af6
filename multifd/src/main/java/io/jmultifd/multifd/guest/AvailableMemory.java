package io.jmultifd.multifd.guest;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How much memory a new guest can get without swapping or the OOM killer, and where that figure comes from.
 *
 * @param bytes  the available bytes ({@link Long#MAX_VALUE} when nothing can tell)
 * @param source where the figure comes from, for messages
 */
public record AvailableMemory(long bytes, String source) {
    private static final Path MEMINFO = Path.of("/proc/meminfo");

    /**
     * Linux's MemAvailable (free memory plus what the kernel can reclaim without swapping); in a container, what
     * is left of its memory limit when that is less (the JVM reports a container's limit, /proc/meminfo the
     * host's). Elsewhere, the free memory that the JVM reports.
     */
    public static AvailableMemory now() {
        long memAvailable = -1;
        long memTotal = -1;
        try {
            for (String line : Files.readAllLines(MEMINFO)) {
                if (line.startsWith("MemAvailable:")) {
                    memAvailable = kib(line);
                } else if (line.startsWith("MemTotal:")) {
                    memTotal = kib(line);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or no /proc: the JVM's figures below
        }
        long limit = -1;
        long leftOfLimit = -1;
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            limit = os.getTotalMemorySize();
            leftOfLimit = os.getFreeMemorySize();
        }
        if (memAvailable >= 0) {
            if (limit > 0 && memTotal > 0 && limit < memTotal && leftOfLimit >= 0 && leftOfLimit < memAvailable) {
                return new AvailableMemory(leftOfLimit, "what is left of the container's memory limit of "
                        + limit + " bytes");
            }
            return new AvailableMemory(memAvailable, "MemAvailable in " + MEMINFO);
        }
        if (leftOfLimit >= 0) {
            return new AvailableMemory(leftOfLimit, "free memory as the JVM reports it");
        }
        return new AvailableMemory(Long.MAX_VALUE, "unknown");
    }

    /** "MemAvailable:   12345 kB" in bytes. */
    private static long kib(String line) {
        String[] fields = line.trim().split("\\s+");
        return Math.multiplyExact(Long.parseLong(fields[1]), 1024L);
    }
}
