package io.jmultifd.cli;

import java.io.PrintWriter;
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

    private final Thread hook;
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile int exitCode = Main.EXIT_FAILED;

    ShutdownGuard(Runnable cancel, PrintWriter err) {
        this.hook = Thread.ofPlatform().name("jmultifd-shutdown").unstarted(() -> {
            err.println();
            err.println("jmultifd: interrupted; cancelling the migration");
            err.flush();
            cancel.run();
            try {
                if (finished.await(GRACE_MILLIS, TimeUnit.MILLISECONDS)) {
                    err.flush();
                    Runtime.getRuntime().halt(exitCode);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Runtime.getRuntime().addShutdownHook(hook);
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
