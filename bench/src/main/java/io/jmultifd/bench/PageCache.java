package io.jmultifd.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Empties the kernel's page cache ({@code sync; echo 3 > /proc/sys/vm/drop_caches}, root only) before every timed
 * save, restore and yardstick of the snapshot benchmark, so that each one meets the disk and not memory. The cache
 * is the whole machine's: on a shared machine this slows the other users' next file reads.
 */
final class PageCache {
    static final Path DROP_CACHES = Path.of("/proc/sys/vm/drop_caches");

    private PageCache() {}

    /** Null when the cache was dropped, else why not (e.g. not root). */
    static String drop() {
        try {
            Process sync = new ProcessBuilder("sync").redirectErrorStream(true).start();
            sync.getInputStream().readAllBytes();
            if (!sync.waitFor(10, TimeUnit.MINUTES) || sync.exitValue() != 0) return "sync failed";
            Files.writeString(DROP_CACHES, "3\n");
            return null;
        } catch (IOException e) {
            return "cannot write 3 to " + DROP_CACHES + " (root only): " + GuestImageBuilder.reason(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
