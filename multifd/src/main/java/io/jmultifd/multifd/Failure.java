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
    /** The end of the side: {@code failure} null when it completed. */
    private record End(MigrationFailure failure) {}

    private static final long FAREWELL_MS = 300;
    private static final long GRACE_MS = 250;
    private final AtomicReference<End> end = new AtomicReference<>();
    private final Side side;
    private final Consumer<MigrationFailure> farewell;
    private final Runnable teardown;
    private final EngineThreads threads;

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

    /** Records {@code f} if the side has not ended yet, then says farewell and tears the side down. */
    public boolean set(MigrationFailure f) {
        if (!end.compareAndSet(null, new End(f))) {
            return false;
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

    /** Ends the side as completed: tears it down without a farewell. False when a failure came first. */
    boolean complete() {
        if (!end.compareAndSet(null, new End(null))) {
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
