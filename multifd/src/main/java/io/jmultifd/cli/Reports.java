package io.jmultifd.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jmultifd.multifd.MigrationFailure;
import io.jmultifd.multifd.MigrationInfo;
import io.jmultifd.multifd.MigrationParameters;
import io.jmultifd.multifd.MigrationResult;
import io.jmultifd.spi.TierStatus;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The end-of-migration reports: a short human summary (stderr) and the JSON object (stdout). */
final class Reports {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Reports() {}

    /**
     * The query-migrate object ({@link MigrationInfo}) with what only the CLI knows: the tiers of the method and
     * {@code block-checksums} (CRC32C of each block's final content as hex, only when completed: the verified digests
     * of a live migration, a pass over the memory for a snapshot), so that an image written with {@code --output}
     * can be checked against the source.
     */
    static String json(MigrationResult result, MigrationParameters parameters, Map<String, Long> blockChecksums) {
        return json(MigrationInfo.of(result).tiers(tierNames(parameters)).blockChecksums(blockChecksums).toMap());
    }

    static String json(Map<String, Object> map) {
        try {
            return JSON.writeValueAsString(map);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the JSON report: " + e.getMessage(), e);
        }
    }

    /** The tiers of a tiered method on this host, best first; empty for a method with one tier. */
    static List<String> tierNames(MigrationParameters parameters) {
        try {
            List<TierStatus> tiers = parameters.method().tiers();
            return tiers.size() < 2 ? List.of() : tiers.stream().map(TierStatus::tier).toList();
        } catch (RuntimeException | LinkageError e) {
            return List.of();
        }
    }

    /** The result of a migration that never began (e.g. cancelled while the guest was being built). */
    static MigrationResult notStarted(MigrationParameters p, MigrationFailure failure) {
        return MigrationResult.notStarted(p.methodName(), p.channels(), p.pageSize(), failure);
    }

    /**
     * E.g. "migration completed in 1234 ms (downtime 12 ms, verify 80 ms, setup 5 ms, 3 rounds): 1.0 GiB, ...", with the tier
     * of a tiered method ({@link TierNote}) after the method's name.
     */
    static String summary(String what, MigrationResult r, MigrationParameters parameters) {
        int pageSize = parameters.pageSize();
        StringBuilder sb = new StringBuilder();
        sb.append(what).append(' ').append(r.status().name().toLowerCase(Locale.ROOT))
          .append(" in ").append(r.times().totalMs()).append(" ms");
        if (r.completed()) {
            MigrationResult.Ram ram = r.ram();
            sb.append(" (downtime ").append(r.times().downtimeMs()).append(" ms");
            if (r.times().downtimeExceeded()) {
                sb.append(" > downtime-limit ").append(parameters.downtimeLimitMs()).append(" ms: downtime_exceeded");
            }
            sb.append(", verify ").append(r.times().verifyMs()).append(" ms, setup ").append(r.times().setupMs())
              .append(" ms, ").append(ram.dirtySyncCount()).append(ram.dirtySyncCount() == 1 ? " round" : " rounds")
              .append(')');
            sb.append(": ").append(bytes(ram.transferredBytes())).append(" transferred, ")
              .append(String.format(Locale.ROOT, "%.1f Mbit/s, %.0f pages/s", ram.mbps(), ram.pagesPerSecond()));
            sb.append(String.format(Locale.ROOT, "; %d normal + %d zero pages", ram.normalPages(), ram.zeroPages()));
            if (r.multifd().compressedBytes() > 0 && ram.normalPages() > 0) {
                sb.append(String.format(Locale.ROOT, ", compression ratio %.2f", ratio(r, pageSize)));
            }
            sb.append("; method ").append(r.multifd().method()).append(" on ").append(r.multifd().channels())
              .append(" channels");
            sb.append(memory(r.memory()));
            sb.append("; checksums ").append(r.checksumMatch() ? "match" : "DIFFER");
            String tier = TierNote.of(parameters, r.multifd().methodStatistics());
            if (!tier.isEmpty()) {
                sb.append("; ").append(r.multifd().method()).append(' ').append(tier);
            }
        } else if (r.error() != null) {
            sb.append(": ").append(r.error());
        }
        return sb.toString();
    }

    /** E.g. "; huge pages on, 1234 minor + 0 major page faults"; empty when neither is known. */
    static String memory(MigrationResult.Memory memory) {
        StringBuilder sb = new StringBuilder();
        if (memory.hugePages() != null) {
            sb.append("; huge pages ").append(memory.hugePages().label());
        }
        if (memory.pageFaults() != null) {
            sb.append(sb.isEmpty() ? "; " : ", ").append(memory.pageFaults().minor()).append(" minor + ")
              .append(memory.pageFaults().major()).append(" major page faults");
        }
        return sb.toString();
    }

    /** normal page bytes / compressed payload bytes; NaN when nothing was compressed. */
    static double ratio(MigrationResult r, int pageSize) {
        long compressed = r.multifd().compressedBytes();
        return compressed > 0 ? (double) r.ram().normalPages() * pageSize / compressed : Double.NaN;
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
