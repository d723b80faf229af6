package io.jmultifd.multifd;

import io.jmultifd.multifd.MigrationFailure.Cause;
import io.jmultifd.multifd.MigrationFailure.Side;

import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * How one side of a migration ends: with its first failure (later ones are consequences and are dropped), or
 * completed. Recording a failure first tells the peer why (the farewell, on its own thread, given a short time
 * because the peer may not be reading), then tears the side down: closing the channels wakes every blocked
 * read and write. Completing tears down the same way, and any failure reported after it is ignored.
 */
public final class Failure {
    /** The end of the side: {@code failure} null when it completed; {@code paused}: a postcopy pause, not an end. */
    private record End(MigrationFailure failure, boolean paused) {}

    /** Told of a postcopy pause, once, instead of the side's farewell and teardown. */
    interface Pause {
        /** Whether {@code f} pauses the side rather than ends it. */
        boolean pauses(MigrationFailure f);

        /** Closes what the broken connections leave (not the guest): every thread but the side's own unwinds. */
        void paused(MigrationFailure f);
    }

    private static final long FAREWELL_MS = 300;
    private static final long GRACE_MS = 250;
    private final AtomicReference<End> end = new AtomicReference<>();
    private final Side side;
    private final Consumer<MigrationFailure> farewell;
    private final Runnable teardown;
    private final EngineThreads threads;
    private volatile Pause pause; // set at the postcopy switchover: from then on a broken connection pauses

    Failure(Side side, Consumer<MigrationFailure> farewell, Runnable teardown, EngineThreads threads) {
        this.side = side;
        this.farewell = farewell;
        this.teardown = teardown;
        this.threads = threads;
    }

    /** The side this records failures for. */
    public Side side() {
        return side;
    }

    /**
     * Records {@code f} if the side has not ended yet, then says farewell and tears the side down. After the postcopy
     * switchover ({@link #pauseOn}) a failure that {@link Pause#pauses} pauses the side instead: {@link #check} stops
     * its loops as for an end, but only a cancel (or {@link #endPause}) ends a paused side; other failures meanwhile
     * are consequences of the pause and are dropped.
     */
    public boolean set(MigrationFailure f) {
        Pause p = pause;
        End was = end.get();
        if (was != null && (!was.paused() || f.status() != MigrationStatus.CANCELLED)) {
            return false;
        }
        boolean pausing = was == null && p != null && p.pauses(f);
        if (!end.compareAndSet(was, new End(f, pausing))) {
            return false;
        }
        if (pausing) {
            p.paused(f); // no farewell: the peer sees its connections break and pauses too
            return true;
        }
        if (was != null) { // a cancel while paused: nothing is connected to say farewell on
            teardown.run();
            return true;
        }
        try {
            Thread t = threads.start("jmultifd-farewell", () -> farewell.accept(f));
            t.join(FAREWELL_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // no farewell then; the teardown matters more
        }
        teardown.run();
        return true;
    }

    /** A failure this side found, not tied to a data channel. */
    public boolean fail(Cause cause, String message) {
        return set(MigrationFailure.failed(side, cause, message));
    }

    /** A failure this side found on data channel {@code channel}. */
    public boolean fail(Cause cause, int channel, String message) {
        return set(new MigrationFailure(MigrationStatus.FAILED, side, cause, channel, message));
    }

    /** The peer said why it stopped (its refusal, its error, its verdict). */
    public boolean peerFailed(Cause cause, String message) {
        return set(MigrationFailure.failed(side.peer(), cause, message));
    }

    public boolean cancel() {
        return set(MigrationFailure.cancelled(side, "cancelled"));
    }

    /**
     * For a broken connection seen on a data channel: the peer usually said why on the main channel just
     * before hanging up, and another thread is reading that. Give it a moment to record the real reason.
     */
    public boolean failAfterGrace(Cause cause, int channel, String message) {
        long deadline = System.nanoTime() + GRACE_MS * 1_000_000L;
        while (end.get() == null && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                break; // torn down meanwhile
            }
        }
        return fail(cause, channel, message);
    }

    /** From the postcopy switchover on: a failure that {@code p} says pauses the side pauses it (null: none does). */
    void pauseOn(Pause p) {
        pause = p;
    }

    /** The failure that paused the side, while it is paused; else null. */
    public MigrationFailure paused() {
        End e = end.get();
        return e != null && e.paused() ? e.failure() : null;
    }

    /**
     * The side runs again after a pause (its threads of before have ended): {@link #check} passes until the next
     * failure, which may pause it again. False when it was not paused (a cancel came first).
     */
    boolean resume() {
        End e = end.get();
        return e != null && e.paused() && end.compareAndSet(e, null);
    }

    /** Ends a paused side with {@code f} (the pause timed out): torn down for good. False when not paused. */
    boolean endPause(MigrationFailure f) {
        End e = end.get();
        if (e == null || !e.paused() || !end.compareAndSet(e, new End(f, false))) {
            return false;
        }
        teardown.run();
        return true;
    }

    /** Ends the side as completed: tears it down without a farewell. False when a failure came first. */
    boolean complete() {
        if (!end.compareAndSet(null, new End(null, false))) {
            return false;
        }
        teardown.run();
        return true;
    }

    /** Whether the side has ended, failed or completed: its loops stop. */
    public boolean isSet() {
        return end.get() != null;
    }

    /** The failure that ended the side; null while it runs and when it completed. */
    public MigrationFailure get() {
        End e = end.get();
        return e == null ? null : e.failure();
    }

    /** Throws when the side has ended, so a loop can bail out between steps. */
    public void check() throws Stopped {
        if (end.get() != null) {
            throw new Stopped();
        }
    }

    /**
     * Waits for {@code result}, checking every 20 ms whether the side has stopped meanwhile. A result that
     * failed or was cancelled without a recorded failure is an internal error.
     */
    public <T> T await(Future<T> result, String what) throws Stopped, InterruptedException {
        while (true) {
            check();
            try {
                return result.get(20, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                // poll again
            } catch (CancellationException e) {
                check();
                throw new IllegalStateException(what + " cancelled without a failure");
            } catch (ExecutionException e) {
                throw new IllegalStateException(what + " failed", e.getCause());
            }
        }
    }

    /** Thrown to unwind a thread after the side has stopped; the reason is in {@link Failure#get()}. */
    public static final class Stopped extends Exception {
        Stopped() {
            super(null, null, false, false);
        }
    }

    public static String describe(Throwable t) {
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }
}
