package io.jmultifd.multifd;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Fails a migration when nothing whole moved for {@code peer-timeout} ms: progress is a packet fully sent or
 * received, a main-channel message fully written or parsed, or a step of the side's own long work (a checksum
 * per block). Bytes do not count, so a peer that trickles them (one byte every 100 ms) cannot keep a migration
 * alive. It runs after setup, whose waits {@code setup-timeout} bounds. A save to a file has one too: there,
 * progress is a batch of pages written.
 */
public final class Watchdog {
    private final AtomicLong progress = new AtomicLong();
    private final long timeoutMs;
    private final Failure failure;
    private final String stalled;
    private volatile boolean stopped;

    Watchdog(long timeoutMs, Failure failure) {
        this(timeoutMs, failure, "peer stalled: no progress on any channel");
    }

    /** @param stalled what the failure says before "for N ms (peer-timeout T ms)" */
    Watchdog(long timeoutMs, Failure failure, String stalled) {
        this.timeoutMs = timeoutMs;
        this.failure = failure;
        this.stalled = stalled;
    }

    void run() {
        long last = progress.get();
        long lastChange = System.nanoTime();
        long tick = Math.max(5, Math.min(200, timeoutMs / 10));
        while (!stopped && !failure.isSet()) {
            try {
                Thread.sleep(tick);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            long p = progress.get();
            if (p != last) {
                last = p;
                lastChange = now;
            } else if ((now - lastChange) / 1_000_000L >= timeoutMs && !stopped) {
                failure.fail(MigrationFailure.Cause.STALLED, stalled + " for " + (now - lastChange) / 1_000_000L
                        + " ms (peer-timeout " + timeoutMs + " ms)");
                return;
            }
        }
    }

    /** A whole packet or message moved, or a long step of the side's own work ended. */
    public void progressed() {
        progress.incrementAndGet();
    }

    void stop() {
        stopped = true;
    }
}
