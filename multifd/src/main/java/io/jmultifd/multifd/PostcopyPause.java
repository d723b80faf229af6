package io.jmultifd.multifd;

import io.jmultifd.multifd.MigrationFailure.Cause;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One side's postcopy-paused state, shared by {@link SourceRecovery} and {@link DestinationRecovery}: which failures
 * pause rather than end the side (a connection that broke, stalled or could not be made again: {@link #PAUSING}),
 * when the pause began and why, the log line every {@link #LOG_EVERY_MS} ms that says the side is still paused and
 * how to resume it, and the end of the pause at postcopy-pause-timeout (0: never, as QEMU), which gives the guest up.
 */
final class PostcopyPause {
    private static final System.Logger LOG = System.getLogger(PostcopyPause.class.getName());
    static final long LOG_EVERY_MS = 10_000;
    /** What pauses: the connections, not the data or the peer's own failure (those end the side, as before). */
    static final Set<Cause> PAUSING = EnumSet.of(Cause.CONNECTION, Cause.STALLED, Cause.SETUP_TIMEOUT, Cause.TLS,
            Cause.REFUSED);

    /**
     * A resume asked for (the source's operator): to an endpoint, or null for the same one; its outcome completes
     * empty once the side runs again, with the failure that keeps it paused, or exceptionally when the side ended.
     */
    record Request(Endpoint toOrNull, CompletableFuture<Optional<MigrationFailure>> outcome) {}

    /** Resumes asked for, in order. */
    static final class Requests {
        private final LinkedBlockingQueue<Request> queue = new LinkedBlockingQueue<>();

        CompletableFuture<Optional<MigrationFailure>> add(Endpoint toOrNull) {
            Request r = new Request(toOrNull, new CompletableFuture<>());
            queue.add(r);
            return r.outcome();
        }

        Request poll(long ms) throws InterruptedException {
            return queue.poll(ms, TimeUnit.MILLISECONDS);
        }
    }

    private final Failure failure;
    private final long timeoutMs;
    private final Requests requests;
    private final Supplier<String> howToResume;
    private final Supplier<String> lost;
    private volatile long sinceNanos;
    private volatile String reason;
    private long lastLogNanos;

    /**
     * @param howToResume what the log says to do (asked each time: it depends on how far the switchover got)
     * @param lost        what giving up means for the guest (said when the pause times out)
     */
    PostcopyPause(Failure failure, long timeoutMs, Requests requests, Supplier<String> howToResume,
                  Supplier<String> lost) {
        this.failure = failure;
        this.timeoutMs = timeoutMs;
        this.requests = requests;
        this.howToResume = howToResume;
        this.lost = lost;
    }

    /**
     * The pause as the {@link Failure} takes it, once {@code active} (the guest may run at the destination):
     * {@code onPause} closes what the broken connections leave.
     */
    Failure.Pause armed(BooleanSupplier active, Consumer<MigrationFailure> onPause) {
        return new Failure.Pause() {
            @Override
            public boolean pauses(MigrationFailure f) {
                return f.status() == MigrationStatus.FAILED && PAUSING.contains(f.cause()) && active.getAsBoolean();
            }

            @Override
            public void paused(MigrationFailure f) {
                began(f.message());
                onPause.accept(f);
            }
        };
    }

    /** The pause began (or a resume attempt failed and it goes on): logged with the reason. */
    void began(String why) {
        if (reason == null) {
            sinceNanos = System.nanoTime();
        }
        reason = why;
        lastLogNanos = System.nanoTime();
        LOG.log(System.Logger.Level.WARNING, "postcopy-paused: " + why + "; " + howToResume.get());
    }

    /** The side resumed: the next pause is a new one (asked for anew: requests made meanwhile are met by this one). */
    void ended() {
        reason = null;
        if (requests != null) {
            List<Request> met = new ArrayList<>();
            requests.queue.drainTo(met);
            met.forEach(r -> r.outcome().complete(Optional.empty()));
        }
    }

    /**
     * The source, paused: waits for a resume request, then lets the side run again and returns the request (its
     * endpoint null: the same). Throws Stopped when the side ends instead (a cancel, the timeout).
     */
    Request awaitResume() throws Failure.Stopped, InterruptedException {
        try {
            while (true) {
                if (failure.paused() == null) {
                    failure.check();
                    return new Request(null, new CompletableFuture<>()); // running already (only this thread resumes)
                }
                Request asked = requests.poll(20);
                if (asked != null) {
                    if (failure.resume()) {
                        return asked;
                    }
                    failed(asked); // a cancel came first
                }
                stillPaused();
            }
        } catch (Failure.Stopped e) {
            List<Request> left = new ArrayList<>();
            requests.queue.drainTo(left);
            left.forEach(this::failed); // the side ended: no attempt will be made
            throw e;
        }
    }

    /** Completes the outcome of an attempt that failed: the failure that keeps the side paused, or its end. */
    void failed(Request asked) {
        MigrationFailure why = failure.paused();
        if (why != null) {
            asked.outcome().complete(Optional.of(why));
        } else {
            MigrationFailure end = failure.get();
            asked.outcome().completeExceptionally(new IllegalStateException("the migration ended"
                    + (end == null ? "" : ": " + end.message())));
        }
    }

    /** Logs every LOG_EVERY_MS that the side is still paused; at the timeout ends it (the guest is given up). */
    void stillPaused() throws Failure.Stopped {
        long now = System.nanoTime();
        long pausedMs = (now - sinceNanos) / 1_000_000L;
        if (timeoutMs > 0 && pausedMs >= timeoutMs) {
            MigrationFailure f = MigrationFailure.failed(failure.side(), Cause.CONNECTION, "postcopy-paused for "
                    + pausedMs + " ms without a resume (" + MigrationParameters.POSTCOPY_PAUSE_TIMEOUT + " " + timeoutMs
                    + " ms): " + lost.get() + "; it paused because " + reason);
            if (!failure.endPause(f)) {
                failure.pauseOn(null); // running (the destination waits for its source so): this failure ends it
                failure.set(f);
            }
            failure.check();
        }
        if ((now - lastLogNanos) / 1_000_000L >= LOG_EVERY_MS) {
            lastLogNanos = now;
            LOG.log(System.Logger.Level.WARNING, "still postcopy-paused after " + pausedMs / 1000 + " s: " + reason
                    + "; " + howToResume.get());
        }
    }
}
