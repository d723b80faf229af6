package io.jmultifd.cli;

import io.jmultifd.multifd.Progress;
import io.jmultifd.multifd.ProgressListener;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * A one-line progress bar on a terminal's stderr, redrawn in place at most ten times a second (and on every
 * phase change): phase, round, percent of the guest sent, MB/s, dirty pages still to send.
 */
final class ProgressBar implements ProgressListener {
    private static final long REDRAW_NANOS = 100_000_000L;
    private static final int BAR_WIDTH = 24;

    private final PrintWriter err;
    private final String side;
    private final int pageSize;
    private long lastDraw;
    private Progress.Phase lastPhase;
    private int lastLength;
    private boolean drawn;

    /** @param side "migrate" or "incoming", shown first on the line */
    ProgressBar(PrintWriter err, String side, int pageSize) {
        this.err = err;
        this.side = side;
        this.pageSize = pageSize;
    }

    @Override
    public synchronized void onProgress(Progress p) {
        long now = System.nanoTime();
        if (p.phase() == lastPhase && now - lastDraw < REDRAW_NANOS) {
            return;
        }
        lastDraw = now;
        lastPhase = p.phase();
        String line = line(p);
        // Pad over the previous, possibly longer line instead of clearing with escape sequences.
        err.print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())));
        err.flush();
        lastLength = line.length();
        drawn = true;
    }

    String line(Progress p) {
        double fraction = p.bytesTotal() > 0 ? Math.min(1.0, (double) p.bytesSent() / p.bytesTotal()) : 0;
        int filled = (int) Math.round(fraction * BAR_WIDTH);
        StringBuilder sb = new StringBuilder();
        sb.append(side).append(' ').append(String.format(Locale.ROOT, "%-9s", p.phase()));
        sb.append(String.format(Locale.ROOT, " round %-3d", p.round()));
        sb.append(" [").append("#".repeat(filled)).append(".".repeat(BAR_WIDTH - filled)).append(']');
        sb.append(String.format(Locale.ROOT, " %3d%%", (int) Math.floor(fraction * 100)));
        sb.append(String.format(Locale.ROOT, " %8.1f MB/s", p.mbps() / 8));
        if (p.dirtyPagesRemaining() > 0 || "migrate".equals(side)) {
            sb.append(String.format(Locale.ROOT, "  dirty %d pages (%s)", p.dirtyPagesRemaining(),
                    Reports.bytes(p.dirtyPagesRemaining() * pageSize)));
        }
        return sb.toString();
    }

    /** Ends the progress line so that what follows starts on a fresh line. */
    synchronized void finish() {
        if (drawn) {
            err.println();
            err.flush();
            drawn = false;
        }
    }
}
