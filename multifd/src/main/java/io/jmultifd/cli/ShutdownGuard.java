package io.jmultifd.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C (SIGINT/SIGTERM) while a migration runs: the shutdown hook cancels it, waits briefly until the command
 * has printed its result, then ends the JVM with the command's exit code (1 for a cancelled migration)
 * instead of the signal's. The hook is removed again when the command ends normally.
 */
final class ShutdownGuard implements AutoCloseable {
    /** How long the hook waits for a clean end before giving up (the JVM then exits with the signal's code). */
    static final long GRACE_MILLIS = 10_000;
    private static final long RECANCEL_MILLIS = 100;

    private final Thread hook;
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile int exitCode = Main.EXIT_FAILED;
    private volatile boolean signalled;

    /** @param status where the notice goes: above a progress bar, if one is drawn */
    ShutdownGuard(Runnable cancel, StatusLine status) {
        this.hook = Thread.ofPlatform().name("jmultifd-shutdown").unstarted(() -> {
            signalled = true;
            status.println("jmultifd: interrupted; cancelling the migration");
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(GRACE_MILLIS);
            try {
                // Cancel again until the command ends: a signal that arrives just before the migration has begun
                // would otherwise be lost (MigrationSource.cancel() is a no-op while no migration runs).
                do {
                    cancel.run();
                    if (finished.await(RECANCEL_MILLIS, TimeUnit.MILLISECONDS)) {
                        Runtime.getRuntime().halt(exitCode);
                    }
                } while (System.nanoTime() < deadline);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Whether the JVM is shutting down (Ctrl-C, SIGTERM): a command should not start a migration then. */
    boolean signalled() {
        return signalled;
    }

    /** The command has printed its result; a running hook may now end the JVM with this code. */
    void finished(int code) {
        this.exitCode = code;
        finished.countDown();
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // The hook is running: it will end the JVM once finished() has been called.
        }
    }
}
