package io.jmultifd.multifd;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The one place where results and progress become JSON objects, shaped as QEMU's {@code query-migrate}
 * ({@code MigrationInfo}, {@code MigrationStats} in qapi/migration.json): lowercase statuses, QEMU's hyphenated
 * names and its nesting ({@code ram}, a {@code compression} section as QEMU's old {@code CompressionStats}); what
 * QEMU has no name for is in the {@code jmultifd} section. docs/query-migrate.schema.json and
 * docs/migration-progress.schema.json describe both shapes; a new statistic is added here and there.
 */
public final class MigrationInfo {
    private final MigrationResult result;
    private Map<String, Long> blockChecksums;
    private List<String> tiers = List.of();

    private MigrationInfo(MigrationResult result) {
        this.result = result;
    }

    public static MigrationInfo of(MigrationResult result) {
        return new MigrationInfo(result);
    }

    /** CRC32C of each block's final content (written as hex), to check an image written with --output. */
    public MigrationInfo blockChecksums(Map<String, Long> checksums) {
        this.blockChecksums = checksums;
        return this;
    }

    /** The method's tiers, best first: each one's page count ({@code pages_<tier>}) goes into {@code tiers}. */
    public MigrationInfo tiers(List<String> tierNames) {
        this.tiers = List.copyOf(tierNames);
        return this;
    }

    /** QEMU's status names: completed, failed, cancelled. */
    public static String status(MigrationStatus status) {
        return status.name().toLowerCase(Locale.ROOT);
    }

    public LinkedHashMap<String, Object> toMap() {
        MigrationResult r = result;
        MigrationResult.Ram ram = r.ram();
        LinkedHashMap<String, Object> m = new LinkedHashMap<>();
        m.put("status", status(r.status()));
        if (r.failure() != null) {
            m.put("error-desc", r.failure().message());
        }
        m.put("total-time", r.times().totalMs());
        m.put("setup-time", r.times().setupMs());
        if (r.completed()) {
            m.put("downtime", r.times().downtimeMs());
        }
        LinkedHashMap<String, Object> q = new LinkedHashMap<>();
        q.put("transferred", ram.transferredBytes());
        if (r.completed()) {
            q.put("remaining", 0L);
        }
        q.put("total", ram.totalBytes());
        q.put("duplicate", ram.zeroPages());
        q.put("normal", ram.normalPages());
        q.put("normal-bytes", ram.normalPages() * ram.pageSize());
        q.put("mbps", ram.mbps());
        q.put("pages-per-second", ram.pagesPerSecond());
        q.put("dirty-sync-count", ram.dirtySyncCount());
        q.put("dirty-pages-rate", ram.dirtyPagesRate());
        q.put("page-size", (long) ram.pageSize());
        m.put("ram", q);
        m.put("compression", compression(r));
        m.put("jmultifd", ours(r));
        return m;
    }

    /** As QEMU's CompressionStats: the pages the method encoded, their payload and normal-bytes / payload. */
    private static Map<String, Object> compression(MigrationResult r) {
        LinkedHashMap<String, Object> c = new LinkedHashMap<>();
        long compressed = r.multifd().compressedBytes();
        c.put("method", r.multifd().method());
        c.put("pages", r.ram().normalPages());
        c.put("compressed-size", compressed);
        if (compressed > 0) {
            c.put("compression-rate", (double) r.ram().normalPages() * r.ram().pageSize() / compressed);
        }
        return c;
    }

    private static Map<String, Object> postcopy(MigrationResult.Postcopy p) {
        LinkedHashMap<String, Object> m = new LinkedHashMap<>();
        m.put("page-requests", p.pageRequests());
        m.put("faults", p.faults());
        m.put("request-latency-p50", p.requestLatencyP50Us());
        m.put("request-latency-p99", p.requestLatencyP99Us());
        m.put("request-latency-max", p.requestLatencyMaxUs());
        m.put("blocktime", p.blocktimeMs());
        m.put("preempt-pages", p.preemptPages());
        m.put("postcopy-time", p.postcopyTimeMs());
        return m;
    }

    private Map<String, Object> ours(MigrationResult r) {
        LinkedHashMap<String, Object> j = new LinkedHashMap<>();
        j.put("channels", r.multifd().channels());
        j.put("cpu-time", r.times().cpuMs());
        if (r.times().processCpuMs() >= 0) {
            j.put("process-cpu-time", r.times().processCpuMs());
        }
        j.put("verify-time", r.times().verifyMs());
        j.put("downtime-exceeded", r.times().downtimeExceeded());
        j.put("checksum-match", r.checksumVerdict());
        MigrationFailure f = r.failure();
        if (f != null) {
            LinkedHashMap<String, Object> failure = new LinkedHashMap<>();
            failure.put("side", f.side().name().toLowerCase(Locale.ROOT));
            failure.put("cause", f.cause().name().toLowerCase(Locale.ROOT).replace('_', '-'));
            if (f.channel() != MigrationFailure.NO_CHANNEL) {
                failure.put("channel", f.channel());
            }
            j.put("failure", failure);
        }
        // QEMU's query-migrate counts no free-page hints (virtio-balloon's hinted pages are just not sent)
        MigrationResult.FreePages free = r.freePages();
        j.put("free-pages-skipped", free.skippedPages());
        j.put("free-page-hints", free.hintsReceived());
        j.put("free-page-hints-invalidated", free.hintsInvalidated());
        MigrationResult.Memory memory = r.memory();
        if (memory.hugePages() != null) {
            j.put("huge-pages", memory.hugePages().label());
        }
        if (memory.pageFaults() != null) {
            LinkedHashMap<String, Object> faults = new LinkedHashMap<>();
            faults.put("minor", memory.pageFaults().minor());
            faults.put("major", memory.pageFaults().major());
            j.put("page-faults", faults);
        }
        if (r.postcopy().switched()) {
            j.put("postcopy", postcopy(r.postcopy()));
        }
        Map<String, Long> statistics = r.multifd().methodStatistics();
        if (!tiers.isEmpty()) {
            LinkedHashMap<String, Long> pages = new LinkedHashMap<>();
            for (String tier : tiers) {
                pages.put(tier, statistics.getOrDefault("pages_" + tier, 0L));
            }
            j.put("tiers", pages);
        }
        j.put("method-statistics", new LinkedHashMap<>(statistics));
        if (r.tls() != null) {
            LinkedHashMap<String, Object> tls = new LinkedHashMap<>();
            tls.put("protocol", r.tls().protocol());
            tls.put("cipher-suite", r.tls().cipherSuite());
            j.put("tls", tls);
        }
        if (blockChecksums != null && !blockChecksums.isEmpty()) {
            LinkedHashMap<String, String> hex = new LinkedHashMap<>();
            blockChecksums.forEach((k, v) -> hex.put(k, String.format(Locale.ROOT, "%08x", v)));
            j.put("block-checksums", hex);
        }
        return j;
    }

    /**
     * One progress event (a line of {@code --json-progress}): QEMU's status (setup, active, completed, failed,
     * cancelled), the time since the migration began, the expected downtime and what {@code ram} knows while
     * it runs; the phase and round in the jmultifd section, and from the postcopy switchover on postcopy's statistics
     * so far, as the result has them.
     *
     * @param side      "source" or "destination"
     * @param elapsedMs since the first event
     * @param epochMs   wall-clock time of the event
     */
    public static LinkedHashMap<String, Object> progress(Progress p, String side, long elapsedMs, long epochMs,
                                                        int pageSize) {
        LinkedHashMap<String, Object> m = new LinkedHashMap<>();
        LinkedHashMap<String, Object> ts = new LinkedHashMap<>();
        ts.put("seconds", epochMs / 1000);
        ts.put("microseconds", (epochMs % 1000) * 1000);
        m.put("timestamp", ts);
        m.put("status", switch (p.phase()) {
            case SETUP -> "setup";
            case BULK, ITERATE, STOP_COPY, VERIFY -> "active";
            case POSTCOPY_ACTIVE -> "postcopy-active";
            case POSTCOPY_PAUSED -> "postcopy-paused";
            case COMPLETED -> "completed";
            case FAILED -> "failed";
            case CANCELLED -> "cancelled";
        });
        m.put("total-time", elapsedMs);
        if (p.expectedDowntimeMs() >= 0) {
            m.put("expected-downtime", p.expectedDowntimeMs());
        }
        LinkedHashMap<String, Object> ram = new LinkedHashMap<>();
        ram.put("transferred", p.bytesSent());
        ram.put("remaining", p.remainingBytes());
        ram.put("total", p.bytesTotal());
        ram.put("mbps", p.mbps());
        ram.put("dirty-sync-count", p.round());
        ram.put("dirty-pages-rate", p.dirtyPagesRate());
        ram.put("page-size", (long) pageSize);
        m.put("ram", ram);
        LinkedHashMap<String, Object> j = new LinkedHashMap<>();
        j.put("side", side);
        j.put("phase", p.phase().toString());
        j.put("round", p.round());
        if (p.postcopy().switched()) {
            j.put("postcopy", postcopy(p.postcopy()));
        }
        m.put("jmultifd", j);
        return m;
    }
}
