package io.jmultifd.multifd;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The outcome and statistics of one side of a migration. {@link #toMap()} gives the fields in the order of
 * the JSON report.
 *
 * @param status              COMPLETED only when every block's checksum matched on both ends
 * @param error               why it failed or was cancelled; null when completed
 * @param totalTimeMs         from start to the verdict
 * @param setupTimeMs         connecting, handshake and block setup
 * @param downtimeMs          source: from pausing the workload to the checksum verdict; destination: from the
 *                            source's stop-and-copy notice to the verdict
 * @param transferredBytes    bytes on all channels (main and data, headers included)
 * @param normalPages         pages sent/received as data
 * @param zeroPages           pages sent/received as zero pages (offsets only)
 * @param compressedBytes     payload bytes of the data pages (what the method produced)
 * @param mbps                megabits per second of transferredBytes over the total time
 * @param pagesPerSecond      (normal + zero pages) per second over the total time
 * @param dirtySyncCount      number of dirty-bitmap syncs (the bulk round counts as one)
 * @param dirtyPagesRate      pages dirtied per second, measured over the last iteration round (source)
 * @param method              the compression method
 * @param channels            number of data channels
 * @param checksumMatch       whether the per-block checksums matched
 * @param cpuTimeMs           CPU time of this side's engine threads (and of the calling thread during the call)
 * @param rounds              rounds sent: bulk + iterations + stop-and-copy
 * @param methodStatistics    the method's counters summed over channels
 */
public record MigrationResult(
        MigrationStatus status,
        String error,
        long totalTimeMs,
        long setupTimeMs,
        long downtimeMs,
        long transferredBytes,
        long normalPages,
        long zeroPages,
        long compressedBytes,
        double mbps,
        double pagesPerSecond,
        long dirtySyncCount,
        double dirtyPagesRate,
        String method,
        int channels,
        boolean checksumMatch,
        long cpuTimeMs,
        long rounds,
        Map<String, Long> methodStatistics) {

    public MigrationResult {
        methodStatistics = Collections.unmodifiableMap(new LinkedHashMap<>(methodStatistics));
    }

    public boolean completed() {
        return status == MigrationStatus.COMPLETED;
    }

    /** The report fields, in this order (the JSON report of the CLI). */
    public LinkedHashMap<String, Object> toMap() {
        LinkedHashMap<String, Object> m = new LinkedHashMap<>();
        m.put("status", status.name());
        m.put("error", error);
        m.put("total_time_ms", totalTimeMs);
        m.put("setup_time_ms", setupTimeMs);
        m.put("downtime_ms", downtimeMs);
        m.put("transferred_bytes", transferredBytes);
        m.put("normal_pages", normalPages);
        m.put("zero_pages", zeroPages);
        m.put("compressed_bytes", compressedBytes);
        m.put("mbps", mbps);
        m.put("pages_per_second", pagesPerSecond);
        m.put("dirty_sync_count", dirtySyncCount);
        m.put("dirty_pages_rate", dirtyPagesRate);
        m.put("method", method);
        m.put("channels", channels);
        m.put("checksum_match", checksumMatch);
        m.put("cpu_time_ms", cpuTimeMs);
        m.put("rounds", rounds);
        m.put("method_statistics", new LinkedHashMap<>(methodStatistics));
        return m;
    }
}
