package io.jmultifd.multifd.ram;

import io.jmultifd.multifd.MigrationParameters;
import io.jmultifd.multifd.guest.Workload;

import java.util.Locale;

/**
 * When the source stops iterating: after each round it compares the dirty pages with what the measured page
 * rate sends within {@code downtime-limit}. Past {@code convergence-timeout} it gives up, or with
 * {@code force-converge} throttles the workload as QEMU's auto-converge does (20 %, then 10 % more per round
 * that misses, up to 99 %).
 */
public final class Convergence {
    private static final System.Logger LOG = System.getLogger(Convergence.class.getName());
    /** Estimates from rounds shorter than this would be noise; the last good one is kept. */
    private static final long MIN_TIMED_ROUND_NANOS = 20_000_000L;

    private final MigrationParameters params;
    private final Workload workload;
    private long roundStart;
    private long bytesBefore;
    private long pagesBefore;
    private long iterateStart;
    private double wireBytesPerSec;
    private double pagesPerSec;
    private double lastMbps;
    private long dirty;
    private long elapsedRound;
    private double dirtyPagesRate;
    private double expectedDowntimeMs;

    /** @param workload the guest's workload when there is one to throttle, else null */
    public Convergence(MigrationParameters params, Workload workload) {
        this.params = params;
        this.workload = workload;
    }

    /** A round starts; {@code bytes} and {@code pages} are what the channels moved so far. */
    public void roundStarting(long bytes, long pages) {
        roundStart = System.nanoTime();
        bytesBefore = bytes;
        pagesBefore = pages;
    }

    /** The bulk round of {@code totalPages} ended: the first estimates; iterating starts now. */
    public void bulkEnded(long bytes, long totalPages) {
        long roundNanos = Math.max(1, System.nanoTime() - roundStart);
        wireBytesPerSec = (bytes - bytesBefore) * 1e9 / roundNanos;
        pagesPerSec = totalPages * 1e9 / roundNanos;
        lastMbps = wireBytesPerSec * 8 / 1e6;
        iterateStart = System.nanoTime();
    }

    /** An iteration round ended: new estimates when it was long enough to time. */
    public void roundEnded(long bytes, long pages) {
        long roundNanos = Math.max(1, System.nanoTime() - roundStart);
        long sentPages = pages - pagesBefore;
        if (roundNanos > MIN_TIMED_ROUND_NANOS && sentPages > 0) {
            wireBytesPerSec = (bytes - bytesBefore) * 1e9 / roundNanos;
            pagesPerSec = sentPages * 1e9 / roundNanos;
            lastMbps = wireBytesPerSec * 8 / 1e6;
        }
    }

    /** After a round: {@code dirtyPages} are dirty now. */
    public void dirtyAfterRound(long dirtyPages) {
        dirty = dirtyPages;
        elapsedRound = Math.max(1, System.nanoTime() - roundStart);
        // Pages the guest dirtied during the round just sent (the bulk round too: a migration that converges
        // right after it must still report the rate its workload ran at).
        dirtyPagesRate = dirty * 1e9 / elapsedRound;
        expectedDowntimeMs = pagesPerSec <= 0 ? Double.MAX_VALUE : dirty * 1000.0 / pagesPerSec;
    }

    /** Whether the dirty pages fit the downtime limit: stop and copy now. */
    public boolean fitsDowntimeLimit() {
        return expectedDowntimeMs <= params.downtimeLimitMs();
    }

    /**
     * Another round is due after {@code round}: throttles the workload when {@code force-converge} says so.
     *
     * @return why the migration gives up (past convergence-timeout without force-converge), else null
     */
    public String throttleOrGiveUp(long round) {
        long iteratingMs = (System.nanoTime() - iterateStart) / 1_000_000L;
        boolean forcing = params.forceConverge() && workload != null;
        if (iteratingMs >= params.convergenceTimeoutMs()) {
            if (!forcing) {
                double dirtyMBs = dirty * (double) params.pageSize() / (elapsedRound / 1e9) / 1e6;
                double bandwidthMBs = wireBytesPerSec / 1e6;
                // Pages dirtied again within a round count once, so a rate below the bandwidth can still miss
                // the downtime limit: say which side of the bandwidth it is, not always "above".
                return String.format(Locale.ROOT,
                        "did not converge: dirty rate %.1f MB/s %s bandwidth %.1f MB/s after %d rounds"
                                + " (%d pages dirty, expected downtime %.0f ms > downtime-limit %d ms,"
                                + " convergence-timeout %d ms)",
                        dirtyMBs, dirtyMBs > bandwidthMBs ? "above" : "below", bandwidthMBs, round + 1, dirty,
                        expectedDowntimeMs,
                        params.downtimeLimitMs(), params.convergenceTimeoutMs());
            }
            workload.setThrottle(0.99);
        } else if (forcing && round >= 1) {
            double t = workload.throttle();
            double next = t == 0 ? 0.2 : Math.min(0.99, t + 0.1);
            if (next != t) {
                workload.setThrottle(next);
                LOG.log(System.Logger.Level.INFO, "force-converge: throttling the workload to "
                        + Math.round(next * 100) + " %");
            }
        }
        return null;
    }

    /** Megabits per second on the wire in the last timed round. */
    public double lastMbps() {
        return lastMbps;
    }

    /** What stopping now would cost: the dirty pages at the measured page rate; -1 before the first estimate. */
    public long expectedDowntimeMs() {
        return dirty == 0 && elapsedRound == 0 ? -1
                : expectedDowntimeMs >= Long.MAX_VALUE ? Long.MAX_VALUE : Math.round(expectedDowntimeMs);
    }

    /** Pages dirtied per second during the last round. */
    public double dirtyPagesRate() {
        return dirtyPagesRate;
    }
}
