package io.jmultifd.cli;

import io.jmultifd.multifd.Progress;
import io.jmultifd.multifd.ProgressListener;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * A one-line progress bar on a terminal's stderr, redrawn in place at most ten times a second (and on every
 * phase change): phase, round, bytes on the wire against the guest size, the current rate, dirty pages still to
 * send. The engine reports wire bytes, so with a compressing method the bar stays short of full until the
 * migration completes; it then shows full.
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
    /** The current rate, measured here over windows of at least RATE_WINDOW_NANOS (the engine's is per round). */
    private long rateBytes;
    private long rateNanos;
    private double mbps = Double.NaN;
    private static final long RATE_WINDOW_NANOS = 500_000_000L;

    /** @param side "migrate" or "incoming", shown first on the line */
    ProgressBar(PrintWriter err, String side, int pageSize) {
        this.err = err;
        this.side = side;
        this.pageSize = pageSize;
    }

    @Override
    public synchronized void onProgress(Progress p) {
        long now = System.nanoTime();
        if (rateNanos == 0) {
            rateNanos = now;
            rateBytes = p.bytesSent();
        } else if (now - rateNanos >= RATE_WINDOW_NANOS) {
            mbps = (p.bytesSent() - rateBytes) * 8e3 / (now - rateNanos);
            rateNanos = now;
            rateBytes = p.bytesSent();
        }
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
        double fraction = p.phase() == Progress.Phase.COMPLETED ? 1.0
                : p.bytesTotal() > 0 ? Math.min(1.0, (double) p.bytesSent() / p.bytesTotal()) : 0;
        int filled = (int) Math.round(fraction * BAR_WIDTH);
        StringBuilder sb = new StringBuilder();
        sb.append(side).append(' ').append(String.format(Locale.ROOT, "%-9s", p.phase()));
        sb.append(String.format(Locale.ROOT, " round %-3d", p.round()));
        sb.append(" [").append("#".repeat(filled)).append(".".repeat(BAR_WIDTH - filled)).append(']');
        sb.append(String.format(Locale.ROOT, " %9s of %s", Reports.bytes(p.bytesSent()), Reports.bytes(p.bytesTotal())));
        double rate = Double.isNaN(mbps) ? p.mbps() : mbps;
        sb.append(String.format(Locale.ROOT, " %8.1f Mbit/s", rate));
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
