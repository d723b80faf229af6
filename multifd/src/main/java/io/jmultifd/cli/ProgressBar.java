package io.jmultifd.cli;

import io.jmultifd.multifd.Progress;
import io.jmultifd.multifd.ProgressListener;
import java.util.function.IntSupplier;

/**
 * The live progress line of one side ({@link ProgressLine} says what it shows), redrawn in place on a
 * {@link StatusLine} at most ten times a second and at every phase change. The rate and the ETA are measured
 * here over windows of at least half a second: the engine's rate is per round, and the destination has none.
 */
final class ProgressBar implements ProgressListener {
    private static final long REDRAW_NANOS = 100_000_000L;
    private static final long RATE_WINDOW_NANOS = 500_000_000L;

    private final StatusLine status;
    private final String side;
    private final int pageSize;
    private final IntSupplier columns;
    private long startNanos;
    private long lastDraw;
    private Progress.Phase lastPhase;
    private long windowNanos;
    private long windowBytes;
    private long windowRemaining;
    private double mbps = Double.NaN;
    /** The remaining page bytes of the last report before the end; -1 before any. */
    private long lastRemaining = -1;
    /** Page bytes done per second (the remaining bytes' decrease), for the ETA; NaN until measured. */
    private double doneRate = Double.NaN;

    /**
     * @param side    "migrate" or "incoming", shown first on the line
     * @param columns the terminal's width, asked at each redraw (a resized window takes effect at once)
     */
    ProgressBar(StatusLine status, String side, int pageSize, IntSupplier columns) {
        this.status = status;
        this.side = side;
        this.pageSize = pageSize;
        this.columns = columns;
    }

    @Override
    public synchronized void onProgress(Progress p) {
        long now = System.nanoTime();
        if (startNanos == 0) {
            startNanos = now;
            windowNanos = now;
            windowBytes = p.bytesSent();
            windowRemaining = p.remainingBytes();
        } else if (now - windowNanos >= RATE_WINDOW_NANOS) {
            double secs = (now - windowNanos) / 1e9;
            mbps = (p.bytesSent() - windowBytes) * 8 / 1e6 / secs;
            long done = windowRemaining - p.remainingBytes();
            doneRate = done > 0 ? done / secs : doneRate;
            windowNanos = now;
            windowBytes = p.bytesSent();
            windowRemaining = p.remainingBytes();
        }
        boolean stopped = p.phase() == Progress.Phase.FAILED || p.phase() == Progress.Phase.CANCELLED;
        if (!p.phase().ended()) {
            lastRemaining = p.remainingBytes();
        } else if (stopped && lastRemaining >= 0) {
            // The engine's end report counts nothing as remaining; a stop short of completion shows how far it got.
            p = new Progress(p.phase(), p.round(), p.bytesSent(), p.bytesTotal(), lastRemaining, p.mbps(),
                    p.dirtyPagesRate(), p.expectedDowntimeMs(), p.postcopy());
        }
        if (p.phase() == lastPhase && now - lastDraw < REDRAW_NANOS) {
            return;
        }
        lastDraw = now;
        lastPhase = p.phase();
        long eta = stopped ? -1 : p.phase().ended() ? 0 : p.remainingBytes() == 0 ? -1
                : doneRate > 0 ? (long) (p.remainingBytes() / doneRate * 1000) : -1;
        double rate = Double.isNaN(mbps) && p.mbps() > 0 ? p.mbps() : mbps;
        status.show(ProgressLine.render(side, p, (now - startNanos) / 1_000_000L, rate, eta, pageSize,
                columns.getAsInt()));
    }

    /** Ends the progress line so that what follows starts on a fresh line. */
    void finish() {
        status.end();
    }
}
