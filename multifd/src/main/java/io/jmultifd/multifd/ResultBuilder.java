package io.jmultifd.multifd;

import io.jmultifd.linux.ResourceUsage;
import io.jmultifd.multifd.channels.PageCounters;
import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.HugePages;
import io.jmultifd.multifd.tls.NegotiatedTls;
import io.jmultifd.multifd.verify.Verification;
import io.jmultifd.spi.MethodStatistics;

import java.util.Map;

/** Times one side of a migration and builds its {@link MigrationResult}. */
final class ResultBuilder {
    private final MigrationParameters params;
    private final long startCpu = EngineThreads.currentThreadCpuNanos();
    private final ResourceUsage.PageFaults startFaults = EngineThreads.currentThreadFaults();
    private long startNanos = System.nanoTime();
    private long startProcessCpu = EngineThreads.processCpuNanos();
    private long setupNanos;
    private long hintsReceived;
    private long hintsInvalidated;
    private NegotiatedTls tls;
    private MigrationResult.Postcopy postcopy = MigrationResult.Postcopy.NONE;
    private long verifyNanos = -1; // -1: no live migration, no downtime to hold against downtime-limit
    private Map<String, Long> blockChecksums = Map.of();
    private String methodName;
    private int pageSize;
    private HugePages hugePages;

    ResultBuilder(MigrationParameters params) {
        this.params = params;
        this.methodName = params.methodName();
        this.pageSize = params.pageSize();
    }

    /** A restore decodes with the snapshot's method and page size, whatever this side's parameters say. */
    void decodedAs(String method, int filePageSize) {
        methodName = method;
        pageSize = filePageSize;
    }

    /**
     * The migration started at {@code nanos}, a System.nanoTime() (the destination: when its source connected,
     * not when it began to listen).
     */
    void startedAt(long nanos) {
        startNanos = nanos;
        startProcessCpu = EngineThreads.processCpuNanos();
    }

    /** The side's guest, once it has one: whether it is on huge pages goes into the result. */
    ResultBuilder guest(GuestMemory guest) {
        hugePages = guest.hugePages();
        return this;
    }

    /** Connecting, handshake and block setup are done. */
    void setupDone() {
        setupNanos = System.nanoTime() - startNanos;
    }

    /**
     * A live migration's side: its verification (null when it did not get so far) gives the verify time and the
     * blocks' checksums, and its downtime is held against downtime-limit.
     */
    void verified(Verification verification) {
        verifyNanos = verification == null ? 0 : verification.verifyNanos();
        blockChecksums = verification == null ? Map.of() : verification.blockChecksums();
    }

    /** Source: the free-page hints taken, and those that writes took back. */
    void hints(long received, long invalidated) {
        hintsReceived = received;
        hintsInvalidated = invalidated;
    }

    /** What the TLS handshake negotiated (null: no TLS). */
    void tls(NegotiatedTls negotiated) {
        tls = negotiated;
    }

    /** Postcopy's statistics (null: none). */
    void postcopy(MigrationResult.Postcopy statistics) {
        postcopy = statistics == null ? MigrationResult.Postcopy.NONE : statistics;
    }

    /**
     * @param failure        why the side did not complete; null when it completed
     * @param downtimeNanos  the downtime when completed (ignored otherwise)
     * @param checksumMatch  whether the verdict said the checksums match
     * @param threads        the side's engine threads, all joined
     */
    MigrationResult build(MigrationFailure failure, long downtimeNanos, long transferredBytes, long totalBytes,
                          PageCounters pages, long dirtySyncCount, double dirtyPagesRate, boolean checksumMatch,
                          MethodStatistics statistics, EngineThreads threads) {
        boolean completed = failure == null;
        long end = System.nanoTime();
        // As QEMU computes its final throughput: over the transfer time, i.e. without setup.
        double secs = Math.max(1e-9, (end - startNanos - setupNanos) / 1e9);
        long cpu = threads.cpuNanos() + EngineThreads.currentThreadCpuNanos() - startCpu;
        ResourceUsage.PageFaults faults = threads.pageFaults()
                .plus(EngineThreads.currentThreadFaults().minus(startFaults));
        long downtimeMs = completed ? downtimeNanos / 1_000_000L : 0;
        return new MigrationResult(completed ? MigrationStatus.COMPLETED : failure.status(), failure,
                new MigrationResult.Times((end - startNanos) / 1_000_000L, setupNanos / 1_000_000L, downtimeMs,
                        cpu / 1_000_000L, Math.max(0, verifyNanos) / 1_000_000L,
                        completed && verifyNanos >= 0 && downtimeMs > params.downtimeLimitMs(),
                        startProcessCpu < 0 ? -1 : (EngineThreads.processCpuNanos() - startProcessCpu) / 1_000_000L),
                new MigrationResult.Ram(transferredBytes, totalBytes, pageSize, pages.normalPages(),
                        pages.zeroPages(), transferredBytes * 8 / 1e6 / secs, pages.pages() / secs, dirtySyncCount,
                        dirtyPagesRate),
                new MigrationResult.Multifd(methodName, params.channels(), pages.compressedBytes(),
                        statistics.counters()),
                new MigrationResult.FreePages(pages.freePages(), hintsReceived, hintsInvalidated),
                completed && checksumMatch,
                new MigrationResult.Memory(hugePages, EngineThreads.FAULTS_COUNTED
                        ? new MigrationResult.PageFaults(faults.minor(), faults.major()) : null), postcopy, tls,
                completed ? blockChecksums : Map.of());
    }
}
