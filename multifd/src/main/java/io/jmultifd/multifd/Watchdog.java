package io.jmultifd.multifd;

import java.util.concurrent.atomic.AtomicLong;

/** Fails a migration when no channel moved a byte for {@code peer-timeout} ms. */
final class Watchdog {
    private final AtomicLong activity;
    private final long timeoutMs;
    private final Failure failure;
    private volatile boolean stopped;

    Watchdog(AtomicLong activity, long timeoutMs, Failure failure) {
        this.activity = activity;
        this.timeoutMs = timeoutMs;
        this.failure = failure;
    }

    void run() {
        long last = activity.get();
        long lastChange = System.nanoTime();
        long tick = Math.max(5, Math.min(200, timeoutMs / 10));
        while (!stopped && !failure.isSet()) {
            try {
                Thread.sleep(tick);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            long a = activity.get();
            if (a != last) {
                last = a;
                lastChange = now;
            } else if ((now - lastChange) / 1_000_000L >= timeoutMs && !stopped) {
                failure.fail(MigrationFailure.Cause.STALLED, "peer stalled: no progress on any channel for "
                        + (now - lastChange) / 1_000_000L + " ms (peer-timeout " + timeoutMs + " ms)");
                return;
            }
        }
    }

    /** Counts as progress (e.g. the source's own long computations), so that they are not mistaken for a stall. */
    void touch() {
        activity.incrementAndGet();
    }

    void stop() {
        stopped = true;
    }
}
