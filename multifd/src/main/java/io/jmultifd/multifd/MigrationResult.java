package io.jmultifd.multifd;

import io.jmultifd.multifd.guest.HugePages;
import io.jmultifd.multifd.tls.NegotiatedTls;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The outcome and statistics of one side of a migration, grouped as QEMU's {@code query-migrate} groups them.
 * {@link #toMap()} gives the JSON report ({@link MigrationInfo}: QEMU's names and nesting).
 *
 * @param status        COMPLETED only when every block's checksum matched on both ends
 * @param failure       why it failed or was cancelled; null when completed
 * @param times         durations of this side
 * @param ram           what moved, and how fast
 * @param multifd       the method and its channels
 * @param freePages     free-page hints
 * @param checksumMatch whether the per-block checksums matched (the blocks' digests at the handover; the
 *                      migration completes only when both ends' memory checks matched too)
 * @param memory        this side's guest memory: huge pages, page faults
 * @param postcopy      postcopy's statistics ({@link Postcopy#NONE} when the migration did not switch)
 * @param tls           what the TLS handshake of the main connection negotiated; null without TLS (or when the
 *                      side stopped before a handshake completed)
 * @param blockChecksums a completed live migration: each block's CRC32C as migrated (block name to value), folded
 *                      from the page digests that both ends compared and checked their memory against, so no pass
 *                      over the guest computes them again; empty otherwise (failed, or a snapshot)
 */
public record MigrationResult(MigrationStatus status, MigrationFailure failure, Times times, Ram ram,
                              Multifd multifd, FreePages freePages, boolean checksumMatch, Memory memory,
                              Postcopy postcopy, NegotiatedTls tls, Map<String, Long> blockChecksums) {

    /**
     * Postcopy ({@code postcopy-ram=on}, after the switchover), as QEMU's postcopy statistics.
     *
     * @param switched              whether the migration switched to postcopy
     * @param pageRequests          pages the destination asked for (source: requests received)
     * @param faults                destination: fault events read (several threads may fault on one page)
     * @param requestLatencyP50Us   destination: median time from a page's first fault to its placement (which
     *                              wakes the faulting threads), microseconds
     * @param requestLatencyP99Us   the 99th percentile of the same
     * @param requestLatencyMaxUs   the longest of the same
     * @param blocktimeMs           destination: the time faulting threads waited, summed over the faults
     * @param preemptPages          pages that went on the preempt channel (source: sent; destination: placed)
     * @param postcopyTimeMs        from the switchover to the last page
     */
    public record Postcopy(boolean switched, long pageRequests, long faults, long requestLatencyP50Us,
                           long requestLatencyP99Us, long requestLatencyMaxUs, long blocktimeMs, long preemptPages,
                           long postcopyTimeMs) {
        public static final Postcopy NONE = new Postcopy(false, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    /**
     * @param totalMs          from start to the end of the verification
     * @param setupMs          connecting, handshake and block setup
     * @param downtimeMs       as QEMU's: from the guest's stop (source: pausing the workload; destination: the
     *                         stop-and-copy notice) until the destination holds every page and the blocks' digests
     *                         matched (the verdict: destination sends it, source receives it); in postcopy until
     *                         the guest runs at the destination (RUNNING)
     * @param cpuMs            CPU time of this side's engine threads (and of the calling thread during the call)
     * @param verifyMs         this side's memory check against its page digests and the wait for the peer's:
     *                         after the downtime with {@code verify=inline}, inside it with {@code verify=blocking}
     * @param downtimeExceeded a completed migration whose downtime was longer than this side's downtime-limit (it
     *                         still completed, as QEMU's does)
     * @param processCpuMs     CPU time of the whole process (every thread: the JIT's and the garbage collector's
     *                         too) over the same interval as totalMs; -1 where it cannot be read (no getrusage)
     */
    public record Times(long totalMs, long setupMs, long downtimeMs, long cpuMs, long verifyMs,
                        boolean downtimeExceeded, long processCpuMs) {
        public static final Times NONE = new Times(0, 0, 0, 0);

        /** Times without a verification or a downtime to hold against a limit (snapshots). */
        public Times(long totalMs, long setupMs, long downtimeMs, long cpuMs) {
            this(totalMs, setupMs, downtimeMs, cpuMs, 0, false, -1);
        }

        public Times(long totalMs, long setupMs, long downtimeMs, long cpuMs, long verifyMs,
                     boolean downtimeExceeded) {
            this(totalMs, setupMs, downtimeMs, cpuMs, verifyMs, downtimeExceeded, -1);
        }
    }

    /**
     * @param transferredBytes bytes on all channels (main and data, headers included)
     * @param totalBytes       the guest's size (0 when the destination failed before it learnt it)
     * @param pageSize         bytes per page
     * @param normalPages      pages sent/received as data
     * @param zeroPages        pages sent/received as zero pages (offsets only)
     * @param mbps             megabits per second of transferredBytes over the transfer time (total minus setup,
     *                         as QEMU's final throughput)
     * @param pagesPerSecond   (normal + zero pages) per second over the same transfer time
     * @param dirtySyncCount   rounds sent (source) or received (destination): bulk + iterations + stop-and-copy;
     *                         each ends with a sync of the dirty bitmap (QEMU's dirty-sync-count)
     * @param dirtyPagesRate   pages dirtied per second, measured over the last iteration round (source)
     */
    public record Ram(long transferredBytes, long totalBytes, int pageSize, long normalPages, long zeroPages,
                      double mbps, double pagesPerSecond, long dirtySyncCount, double dirtyPagesRate) {
        public static Ram none(int pageSize) {
            return new Ram(0, 0, pageSize, 0, 0, 0, 0, 0, 0);
        }
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

    /**
     * This side's guest memory during the migration.
     *
     * @param hugePages   whether its anonymous memory asked for transparent huge pages and got the advice through;
     *                    null when the side has no guest (the destination failed before allocating it)
     * @param pageFaults  the page faults of this side's engine threads (and of the calling thread during the call),
     *                    as {@link Times#cpuMs()} counts their CPU; null where they cannot be counted (no getrusage)
     */
    public record Memory(HugePages hugePages, PageFaults pageFaults) {
        public static final Memory NONE = new Memory(null, null);
    }

    /**
     * @param minor faults the kernel resolved without I/O, e.g. the first write to a page of anonymous memory
     * @param major faults that needed I/O, e.g. reading a page of a mapped file in
     */
    public record PageFaults(long minor, long major) {}

    public MigrationResult {
        Objects.requireNonNull(memory);
        Objects.requireNonNull(freePages);
        Objects.requireNonNull(status);
        Objects.requireNonNull(times);
        Objects.requireNonNull(ram);
        Objects.requireNonNull(multifd);
        Objects.requireNonNull(postcopy);
        blockChecksums = Collections.unmodifiableMap(new LinkedHashMap<>(blockChecksums));
        if ((status == MigrationStatus.COMPLETED) != (failure == null)) {
            throw new IllegalArgumentException("status " + status + " with failure " + failure);
        }
        if (failure != null && failure.status() != status) {
            throw new IllegalArgumentException("status " + status + " differs from the failure's " + failure.status());
        }
    }

    /** A result without guest-memory statistics, postcopy, TLS or block checksums. */
    public MigrationResult(MigrationStatus status, MigrationFailure failure, Times times, Ram ram, Multifd multifd,
                           FreePages freePages, boolean checksumMatch) {
        this(status, failure, times, ram, multifd, freePages, checksumMatch, Memory.NONE, Postcopy.NONE, null,
                Map.of());
    }

    /** The result of a migration that never began (e.g. cancelled while the guest was being built). */
    public static MigrationResult notStarted(String method, int channels, int pageSize, MigrationFailure failure) {
        return new MigrationResult(failure.status(), failure, Times.NONE, Ram.none(pageSize),
                new Multifd(method, channels, 0, Map.of()), FreePages.NONE, false);
    }

    public boolean completed() {
        return status == MigrationStatus.COMPLETED;
    }

    /** Why it failed or was cancelled, for people; null when completed. */
    public String error() {
        return failure == null ? null : failure.message();
    }

    /**
     * Whether the checksums matched: null when no verdict was reached (the migration stopped before it), false
     * when the verdict was a mismatch.
     */
    public Boolean checksumVerdict() {
        if (completed()) {
            return checksumMatch;
        }
        return failure.cause() == MigrationFailure.Cause.CHECKSUM_MISMATCH ? Boolean.FALSE : null;
    }

    /** The JSON report: {@link MigrationInfo#of(MigrationResult)} without the CLI's additions. */
    public LinkedHashMap<String, Object> toMap() {
        return MigrationInfo.of(this).toMap();
    }
}
