package io.jmultifd.multifd;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The outcome and statistics of one side of a migration, grouped as QEMU's {@code query-migrate} groups them.
 * {@link #toMap()} gives the flat fields of the JSON report, in its order.
 *
 * @param status        COMPLETED only when every block's checksum matched on both ends
 * @param failure       why it failed or was cancelled; null when completed
 * @param times         durations of this side
 * @param ram           what moved, and how fast
 * @param multifd       the method and its channels
 * @param freePages     free-page hints
 * @param checksumMatch whether the per-block checksums matched
 */
public record MigrationResult(MigrationStatus status, MigrationFailure failure, Times times, Ram ram,
                              Multifd multifd, FreePages freePages, boolean checksumMatch) {

    /**
     * @param totalMs    from start to the verdict
     * @param setupMs    connecting, handshake and block setup
     * @param downtimeMs source: from pausing the workload to the checksum verdict; destination: from the
     *                   source's stop-and-copy notice to the verdict
     * @param cpuMs      CPU time of this side's engine threads (and of the calling thread during the call)
     */
    public record Times(long totalMs, long setupMs, long downtimeMs, long cpuMs) {
        public static final Times NONE = new Times(0, 0, 0, 0);
    }

    /**
     * @param transferredBytes bytes on all channels (main and data, headers included)
     * @param normalPages      pages sent/received as data
     * @param zeroPages        pages sent/received as zero pages (offsets only)
     * @param mbps             megabits per second of transferredBytes over the transfer time (total minus setup,
     *                         as QEMU's final throughput)
     * @param pagesPerSecond   (normal + zero pages) per second over the same transfer time
     * @param dirtySyncCount   number of dirty-bitmap syncs (the bulk round counts as one)
     * @param dirtyPagesRate   pages dirtied per second, measured over the last iteration round (source)
     * @param rounds           rounds sent: bulk + iterations + stop-and-copy
     */
    public record Ram(long transferredBytes, long normalPages, long zeroPages, double mbps, double pagesPerSecond,
                      long dirtySyncCount, double dirtyPagesRate, long rounds) {
        public static final Ram NONE = new Ram(0, 0, 0, 0, 0, 0, 0, 0);
    }

    /**
     * @param method           the compression method
     * @param channels         number of data channels
     * @param compressedBytes  payload bytes of the data pages (what the method produced)
     * @param methodStatistics the method's counters summed over channels
     */
    public record Multifd(String method, int channels, long compressedBytes, Map<String, Long> methodStatistics) {
        public Multifd {
            methodStatistics = Collections.unmodifiableMap(new LinkedHashMap<>(methodStatistics));
        }
    }

    /**
     * Free-page hints ({@code free-page-hint=on}).
     *
     * @param skippedPages     pages sent (source) or received (destination) as free: their bytes never moved
     * @param hintsReceived    source: hints the guest gave during the migration
     * @param hintsInvalidated source: hinted pages that the guest wrote again (they were sent)
     */
    public record FreePages(long skippedPages, long hintsReceived, long hintsInvalidated) {
        public static final FreePages NONE = new FreePages(0, 0, 0);
    }

    public MigrationResult {
        Objects.requireNonNull(freePages);
        Objects.requireNonNull(status);
        Objects.requireNonNull(times);
        Objects.requireNonNull(ram);
        Objects.requireNonNull(multifd);
        if ((status == MigrationStatus.COMPLETED) != (failure == null)) {
            throw new IllegalArgumentException("status " + status + " with failure " + failure);
        }
        if (failure != null && failure.status() != status) {
            throw new IllegalArgumentException("status " + status + " differs from the failure's " + failure.status());
        }
    }

    /** The result of a migration that never began (e.g. cancelled while the guest was being built). */
    public static MigrationResult notStarted(String method, int channels, MigrationFailure failure) {
        return new MigrationResult(failure.status(), failure, Times.NONE, Ram.NONE,
                new Multifd(method, channels, 0, Map.of()), FreePages.NONE, false);
    }

    public boolean completed() {
        return status == MigrationStatus.COMPLETED;
    }

    /** Why it failed or was cancelled, for people; null when completed. */
    public String error() {
        return failure == null ? null : failure.message();
    }

    /** The report fields, in this order (the JSON report of the CLI). */
    public LinkedHashMap<String, Object> toMap() {
        LinkedHashMap<String, Object> m = new LinkedHashMap<>();
        m.put("status", status.name());
        m.put("error", error());
        m.put("total_time_ms", times.totalMs());
        m.put("setup_time_ms", times.setupMs());
        m.put("downtime_ms", times.downtimeMs());
        m.put("transferred_bytes", ram.transferredBytes());
        m.put("normal_pages", ram.normalPages());
        m.put("zero_pages", ram.zeroPages());
        m.put("compressed_bytes", multifd.compressedBytes());
        m.put("mbps", ram.mbps());
        m.put("pages_per_second", ram.pagesPerSecond());
        m.put("dirty_sync_count", ram.dirtySyncCount());
        m.put("dirty_pages_rate", ram.dirtyPagesRate());
        m.put("method", multifd.method());
        m.put("channels", multifd.channels());
        m.put("checksum_match", checksumMatch);
        m.put("cpu_time_ms", times.cpuMs());
        m.put("rounds", ram.rounds());
        m.put("free_pages_skipped", freePages.skippedPages());
        m.put("free_page_hints", freePages.hintsReceived());
        m.put("free_page_hints_invalidated", freePages.hintsInvalidated());
        m.put("method_statistics", new LinkedHashMap<>(multifd.methodStatistics()));
        return m;
    }
}
