package io.jmultifd.cli;

import io.jmultifd.multifd.MigrationInfo;
import io.jmultifd.multifd.Progress;
import io.jmultifd.multifd.ProgressListener;
import java.io.PrintWriter;

/**
 * {@code --json-progress}: one JSON object per line on stdout while the migration runs, as QEMU's events
 * ({@link MigrationInfo#progress}); at every phase change and at most every {@link #INTERVAL_NANOS} between.
 */
final class JsonProgress implements ProgressListener {
    static final long INTERVAL_NANOS = 250_000_000L;

    private final PrintWriter out;
    private final String side;
    private final int pageSize;
    private long startNanos;
    private long lastNanos;
    private Progress.Phase lastPhase;

    /** @param side "source" or "destination" */
    JsonProgress(PrintWriter out, String side, int pageSize) {
        this.out = out;
        this.side = side;
        this.pageSize = pageSize;
    }

    @Override
    public synchronized void onProgress(Progress p) {
        long now = System.nanoTime();
        if (startNanos == 0) {
            startNanos = now;
        } else if (p.phase() == lastPhase && now - lastNanos < INTERVAL_NANOS) {
            return;
        }
        lastNanos = now;
        lastPhase = p.phase();
        out.println(Reports.json(MigrationInfo.progress(p, side, (now - startNanos) / 1_000_000L,
                System.currentTimeMillis(), pageSize)));
        out.flush();
    }

    /** Both listeners, in this order. */
    static ProgressListener both(ProgressListener a, ProgressListener b) {
        if (a == null || a == ProgressListener.NONE) {
            return b == null ? ProgressListener.NONE : b;
        }
        if (b == null || b == ProgressListener.NONE) {
            return a;
        }
        return p -> {
            a.onProgress(p);
            b.onProgress(p);
        };
    }
}
