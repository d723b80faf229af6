package io.jmultifd.cli;

import io.jmultifd.multifd.MigrationResult;
import io.jmultifd.multifd.Progress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The text of the progress bar, for a given terminal width: never longer than {@code columns - 1} (a character in
 * the last column makes some terminals wrap), e.g. at 80 columns
 * <pre>migrate bulk r0 45% [#############...............] 461M/1.0G 912Mb/s 0:03 eta 0:04</pre>
 * <pre>migrate iterate r2 90% 700M/1.0G 812Mb/s 1:05 eta 0:04 dirty 10.0M/s dt~1234ms</pre>
 * and from a postcopy switchover on (here the destination's, at 120 columns)
 * <pre>incoming postcopy-active r3 96% [########] 512M/1.0G 812Mb/s 1:05 eta 0:02 1234 req p99 0.31ms blocked 12ms 980 preempt</pre>
 * Side, phase, round, percent, bytes, rate, elapsed and ETA always come first; then what fits of: before postcopy
 * the dirty rate and the expected downtime (source, once known), from the switchover on postcopy's page requests,
 * their p99 latency and the blocktime (destination: the side that counts faults) and the preempt channel's pages,
 * in that order; the bar takes what is left, or is left out.
 */
final class ProgressLine {
    private static final int MIN_BAR = 6;
    private static final int MAX_BAR = 30;

    private ProgressLine() {}

    /**
     * @param side      the label shown first (e.g. "migrate", "incoming")
     * @param elapsedMs since the migration began
     * @param mbps      the current rate; NaN when not measured yet
     * @param etaMs     the time to the end of the current round at the current rate; -1 when not known
     * @param pageSize  bytes per page (the dirty rate comes in pages per second)
     */
    static String render(String side, Progress p, long elapsedMs, double mbps, long etaMs, int pageSize, int columns) {
        int width = Math.max(1, columns - 1);
        double fraction = fraction(p);
        List<String> head = new ArrayList<>();
        head.add(side);
        head.add(p.phase().toString());
        head.add("r" + p.round());
        head.add((int) Math.floor(fraction * 100) + "%");
        List<String> tail = new ArrayList<>();
        tail.add(bytes(p.bytesSent()) + "/" + bytes(p.bytesTotal()));
        tail.add(Double.isNaN(mbps) ? "-Mb/s" : String.format(Locale.ROOT, "%.0fMb/s", mbps));
        tail.add(time(elapsedMs) + " eta " + (etaMs < 0 ? "-:--" : time(etaMs)));
        List<String> optional = new ArrayList<>();
        boolean chained = p.postcopy().switched(); // each piece reads after the one before: stop at the first left out
        if (chained) {
            optional.addAll(postcopy(p.postcopy(), p.phase()));
        } else {
            if (p.dirtyPagesRate() > 0) {
                optional.add("dirty " + bytes((long) (p.dirtyPagesRate() * pageSize)) + "/s");
            }
            if (p.expectedDowntimeMs() >= 0 && !p.phase().ended()) {
                long ms = p.expectedDowntimeMs();
                optional.add("dt~" + (ms >= 100_000_000L ? "inf" : ms < 10_000 ? ms + "ms" : ms / 1000 + "s"));
            }
        }
        String line = String.join(" ", head) + " " + String.join(" ", tail);
        for (String o : optional) {
            if (line.length() + 1 + o.length() <= width) {
                line = line + " " + o;
            } else if (chained) {
                break;
            }
        }
        int room = width - line.length() - 3; // " [" + "]"
        if (room >= MIN_BAR) {
            int inner = Math.min(MAX_BAR, room);
            int filled = (int) Math.round(fraction * inner);
            String bar = "[" + "#".repeat(filled) + ".".repeat(inner - filled) + "]";
            String h = String.join(" ", head);
            line = h + " " + bar + line.substring(h.length());
        }
        return line.length() <= width ? line : line.substring(0, width);
    }

    /**
     * Postcopy's statistics as the line shows them, most telling first: e.g. {@code 1234 req}, {@code p99 0.31ms},
     * {@code blocked 12ms}, {@code 980 preempt}; the first says {@code postcopy 1234 req} once the phase no longer
     * says postcopy. The latency and the blocktime only where faults are counted (the destination: the source's are
     * 0, not measured), the preempt pages only when some went.
     */
    static List<String> postcopy(MigrationResult.Postcopy pc, Progress.Phase phase) {
        List<String> pieces = new ArrayList<>();
        boolean said = phase == Progress.Phase.POSTCOPY_ACTIVE || phase == Progress.Phase.POSTCOPY_PAUSED;
        pieces.add((said ? "" : "postcopy ") + pc.pageRequests() + " req");
        if (pc.faults() > 0) {
            pieces.add("p99 " + duration(pc.requestLatencyP99Us()));
            pieces.add("blocked " + duration(pc.blocktimeMs() * 1000));
        }
        if (pc.preemptPages() > 0) {
            pieces.add(pc.preemptPages() + " preempt");
        }
        return pieces;
    }

    /** Microseconds as 0.31ms (below 10 ms), 312ms (below 1 s), 1.2s. */
    static String duration(long us) {
        return us < 10_000 ? String.format(Locale.ROOT, "%.2fms", us / 1000.0)
                : us < 1_000_000 ? us / 1000 + "ms" : String.format(Locale.ROOT, "%.1fs", us / 1e6);
    }

    /** How far the migration is: the page bytes moved of the guest's; complete once it completed. */
    static double fraction(Progress p) {
        if (p.phase() == Progress.Phase.COMPLETED) {
            return 1.0;
        }
        if (p.bytesTotal() <= 0) {
            return 0;
        }
        return Math.max(0, Math.min(1.0, 1.0 - (double) p.remainingBytes() / p.bytesTotal()));
    }

    /** E.g. 512B, 4.0K, 460.8M, 1.0G (powers of 1024). */
    static String bytes(long n) {
        if (n < 1024) {
            return n + "B";
        }
        String units = "KMGTPE";
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length() - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, v >= 100 ? "%.0f%c" : "%.1f%c", v, units.charAt(u));
    }

    /** m:ss, or h:mm:ss from an hour on. */
    static String time(long ms) {
        long s = ms / 1000;
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
