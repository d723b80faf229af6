package io.jmultifd.multifd.verify;

/**
 * One side's downtime, as QEMU means it: from the guest's stop (source: pausing it; destination: the stop-and-copy
 * notice) until the destination holds every page and could run (destination: it sends the verdict on the blocks'
 * digests; source: the verdict arrives). Verification beyond the digests is outside it unless {@code verify=blocking}.
 */
public final class Downtime {
    private final EndClock clock;
    private volatile long start;
    private volatile boolean started;
    private long nanos;

    public Downtime(EndClock clock) {
        this.clock = clock;
    }

    public void start() {
        start = clock.nanos(EndClock.Moment.DOWNTIME_START);
        started = true;
    }

    /** The handover; nothing when the downtime never started. */
    public void end() {
        if (started) {
            nanos = clock.nanos(EndClock.Moment.DOWNTIME_END) - start;
        }
    }

    /** The downtime, 0 before {@link #end()}. */
    public long nanos() {
        return nanos;
    }
}
