package io.jmultifd.cli;

import io.jmultifd.multifd.Progress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The text of the progress bar, for a given terminal width: never longer than {@code columns - 1} (a character in
 * the last column makes some terminals wrap), e.g. at 80 columns
 * <pre>migrate bulk r0 45% [#############...............] 461M/1.0G 912Mb/s 0:03 eta 0:04</pre>
 * <pre>migrate iterate r2 90% 700M/1.0G 812Mb/s 1:05 eta 0:04 dirty 10.0M/s dt~1234ms</pre>
 * Side, phase, round, percent, bytes, rate, elapsed and ETA always come first; the dirty rate and the expected
 * downtime (source, once known) follow when they fit; the bar takes what is left, or is left out.
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
        if (p.dirtyPagesRate() > 0) {
            optional.add("dirty " + bytes((long) (p.dirtyPagesRate() * pageSize)) + "/s");
        }
        if (p.expectedDowntimeMs() >= 0 && !p.phase().ended()) {
            long ms = p.expectedDowntimeMs();
            optional.add("dt~" + (ms >= 100_000_000L ? "inf" : ms < 10_000 ? ms + "ms" : ms / 1000 + "s"));
        }
        String line = String.join(" ", head) + " " + String.join(" ", tail);
        for (String o : optional) {
            if (line.length() + 1 + o.length() <= width) {
                line = line + " " + o;
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
