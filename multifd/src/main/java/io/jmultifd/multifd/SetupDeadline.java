package io.jmultifd.multifd;

import io.jmultifd.multifd.MigrationFailure.Cause;

/**
 * Bounds a side's waits for its peer during setup, before the {@link Watchdog} runs: each step is armed with
 * a deadline and the failure to record when it passes. Failing tears the side down, which closes its
 * connections and so wakes the connect, write or read that was waiting. One thread, ended by {@link #close()}.
 */
final class SetupDeadline implements AutoCloseable {
    /** The step being waited for: when it must be done, and the failure if it is not. */
    private record Step(long deadlineNanos, Cause cause, String message) {}

    private final Failure failure;
    private Step step;
    private boolean closed;

    /** Arms the first step and starts the thread {@code threadName} that watches the deadlines. */
    SetupDeadline(Failure failure, EngineThreads threads, String threadName, long timeoutMs, Cause cause,
                  String message) {
        this.failure = failure;
        arm(timeoutMs, cause, message);
        threads.start(threadName, this::run);
    }

    /** From now on the setup fails with {@code message} unless the next step is armed within {@code timeoutMs}. */
    synchronized void arm(long timeoutMs, Cause cause, String message) {
        step = new Step(System.nanoTime() + timeoutMs * 1_000_000L, cause, message);
        notifyAll();
    }

    /** The same deadline, a new message (the step changed, the time allowed did not). */
    synchronized void step(String message) {
        step = new Step(step.deadlineNanos(), step.cause(), message);
    }

    /** Milliseconds left (at least 1), e.g. for a connect's own timeout. */
    synchronized long remainingMs() {
        return Math.max(1, (step.deadlineNanos() - System.nanoTime()) / 1_000_000L);
    }

    @Override
    public synchronized void close() {
        closed = true;
        notifyAll();
    }

    private void run() {
        Step expired;
        synchronized (this) {
            try {
                while (true) {
                    if (closed || failure.isSet()) {
                        return;
                    }
                    long leftNanos = step.deadlineNanos() - System.nanoTime();
                    if (leftNanos <= 0) {
                        expired = step;
                        break;
                    }
                    wait(Math.max(1, leftNanos / 1_000_000L));
                }
            } catch (InterruptedException e) {
                return; // torn down
            }
        }
        failure.fail(expired.cause(), expired.message()); // outside the lock: the teardown may take a while
    }
}
