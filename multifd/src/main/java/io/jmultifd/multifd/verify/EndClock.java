package io.jmultifd.multifd.verify;

/**
 * Where the end of a migration reads the time, at each of its moments. Downtime and verify-time are the spans
 * between them; a test passes its own clock to see in which order the steps run, or to let time pass.
 */
@FunctionalInterface
public interface EndClock {
    /** The moments, in the order of {@link VerifyMode#INLINE} (with {@link #HANDED_OVER} in postcopy only). */
    enum Moment {
        /** Source: the guest is paused; destination: the stop-and-copy notice (postcopy: RUN) arrived. */
        DOWNTIME_START,
        /**
         * The destination holds every page and the blocks' digests matched: it sent, or the source read, the verdict.
         * Postcopy: the guest runs at the destination (it sent, or the source read, RUNNING).
         */
        DOWNTIME_END,
        /** This side starts checking its whole memory against its page digests. */
        MEMORY_CHECK_START,
        /** The check is done. */
        MEMORY_CHECK_END,
        /**
         * Postcopy destination only, which checked its memory at the switchover: the verdict went out, and the wait
         * for the source's memory check starts.
         */
        HANDED_OVER,
        /** Both sides' memory checks are known here. */
        VERIFIED
    }

    EndClock SYSTEM = moment -> System.nanoTime();

    /** A System.nanoTime()-like reading at {@code moment}. */
    long nanos(Moment moment);
}
