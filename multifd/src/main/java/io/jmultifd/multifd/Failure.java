package io.jmultifd.multifd;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The first reason a migration side stops (later ones are consequences and are dropped). Recording it
 * first tells the peer why (the farewell, on its own thread, given a short time because the peer may not
 * be reading), then tears the side down: closing the channels wakes every blocked read and write.
 */
final class Failure {
    record Reason(MigrationStatus status, String message) {}

    private static final long FAREWELL_MS = 300;
    private final AtomicReference<Reason> first = new AtomicReference<>();
    private final Consumer<Reason> farewell;
    private final Runnable teardown;
    private final EngineThreads threads;

    Failure(Consumer<Reason> farewell, Runnable teardown, EngineThreads threads) {
        this.farewell = farewell;
        this.teardown = teardown;
        this.threads = threads;
    }

    /** Records the reason if it is the first, then says farewell and tears the side down. */
    boolean set(MigrationStatus status, String message) {
        Reason r = new Reason(status, message);
        if (!first.compareAndSet(null, r)) {
            return false;
        }
        try {
            Thread t = threads.start("jmultifd-farewell", () -> farewell.accept(r));
            t.join(FAREWELL_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // no farewell then; the teardown matters more
        }
        teardown.run();
        return true;
    }

    /**
     * For a broken connection seen on a data channel: the peer usually said why on the main channel just
     * before hanging up, and another thread is reading that. Give it a moment to record the real reason.
     */
    boolean setAfterGrace(MigrationStatus status, String message) {
        long deadline = System.nanoTime() + GRACE_MS * 1_000_000L;
        while (first.get() == null && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                break; // torn down meanwhile
            }
        }
        return set(status, message);
    }

    private static final long GRACE_MS = 250;

    boolean isSet() {
        return first.get() != null;
    }

    Reason get() {
        return first.get();
    }

    /** Throws when the side has stopped, so a loop can bail out between steps. */
    void check() throws Stopped {
        if (first.get() != null) {
            throw new Stopped();
        }
    }

    /**
     * Waits for {@code result}, checking every 20 ms whether the side has stopped meanwhile. A result that
     * failed or was cancelled without a recorded failure is an internal error.
     */
    <T> T await(java.util.concurrent.Future<T> result, String what) throws Stopped, InterruptedException {
        while (true) {
            check();
            try {
                return result.get(20, java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                // poll again
            } catch (java.util.concurrent.CancellationException e) {
                check();
                throw new IllegalStateException(what + " cancelled without a failure");
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException(what + " failed", e.getCause());
            }
        }
    }

    /** Thrown to unwind a thread after the side has stopped; the reason is in {@link Failure#get()}. */
    static final class Stopped extends Exception {
        Stopped() {
            super(null, null, false, false);
        }
    }

    static String describe(Throwable t) {
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }
}
