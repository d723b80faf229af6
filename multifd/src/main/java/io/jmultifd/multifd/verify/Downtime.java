package io.jmultifd.multifd.verify;

/**
 * One side's downtime, as QEMU means it: from the guest's stop (source: pausing it; destination: the stop-and-copy
 * notice) until the destination holds every page and could run (destination: it sends the verdict on the blocks'
 * digests; source: the verdict arrives). Verification beyond the digests is outside it unless {@code verify=blocking}.
 * In postcopy, as QEMU's, from the stop (destination: RUN) until the guest runs at the destination (destination: it
 * sends RUNNING; source: RUNNING arrives); the pages that follow, and the verdict, are outside it.
 */
public final class Downtime {
    private final EndClock clock;
    private volatile long start;
    private volatile boolean started;
    private volatile boolean ended;
    private volatile long nanos;

    public Downtime(EndClock clock) {
        this.clock = clock;
    }

    public void start() {
        start = clock.nanos(EndClock.Moment.DOWNTIME_START);
        started = true;
    }

    /** The handover (postcopy: the guest runs at the destination); nothing when it never started or ended already. */
    public void end() {
        if (started && !ended) {
            nanos = clock.nanos(EndClock.Moment.DOWNTIME_END) - start;
            ended = true;
        }
    }

    /** The downtime, 0 before {@link #end()}. */
    public long nanos() {
        return nanos;
    }
}
