package io.jmultifd.cli;

import io.jmultifd.cli.ControlProtocol.Reply;
import io.jmultifd.cli.ControlProtocol.Resume;
import io.jmultifd.multifd.Endpoint;
import io.jmultifd.multifd.MigrationFailure;
import io.jmultifd.multifd.MigrationSource;
import io.jmultifd.multifd.Progress;
import io.jmultifd.multifd.ProgressListener;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The CLI source's answer to postcopy-paused: the process that holds the frozen guest is the only one that can resume
 * it. With auto-resume on it asks {@link MigrationSource#resume} by itself after 1 s, 2 s, 4 s ... up to every 30 s,
 * as long as the migration stays paused; at any time {@code jmultifd migrate --resume} ({@link #resume}, from the
 * control socket) asks for an attempt now, optionally to a new destination, which later automatic attempts keep.
 * One thread makes every attempt, one at a time, so that each outcome is the attempt's that was asked for. Ctrl-C
 * gives up (the guest is lost then), as postcopy-pause-timeout does.
 */
final class PostcopyResumer implements ProgressListener, AutoCloseable {
    static final long FIRST_DELAY_MS = 1000;
    static final long MAX_DELAY_MS = 30_000;
    /** How long a --resume waits for its attempt's outcome before it answers that it is still under way. */
    static final long REPLY_WAIT_MS = 120_000;

    /** A --resume waiting for its attempt. */
    private record Asked(Endpoint.Tcp toOrNull, CompletableFuture<Reply> reply) {}

    private final Function<Endpoint, CompletableFuture<Optional<MigrationFailure>>> source;
    private final StatusLine status;
    private final boolean auto;
    private final Path control;
    private final Deque<Asked> asked = new ArrayDeque<>();
    private Endpoint to;
    private Progress.Phase phase = Progress.Phase.SETUP;
    private boolean attempting;
    private boolean closed;
    private long delayMs = FIRST_DELAY_MS;
    private long nextAutoNanos;
    private Thread driver;

    /**
     * @param source  {@link MigrationSource#resume}
     * @param to      where the migration goes
     * @param auto    whether it resumes by itself (postcopy-auto-resume)
     * @param control the control socket (null: none), for the message that tells how to resume
     */
    PostcopyResumer(Function<Endpoint, CompletableFuture<Optional<MigrationFailure>>> source, Endpoint to,
                    boolean auto, Path control, StatusLine status) {
        this.source = source;
        this.to = to;
        this.auto = auto;
        this.control = control;
        this.status = status;
    }

    @Override
    public synchronized void onProgress(Progress p) {
        Progress.Phase was = phase;
        phase = p.phase();
        if (phase == Progress.Phase.POSTCOPY_PAUSED && was != phase && !attempting) { // a new pause
            String resume = control == null ? "" : "'jmultifd migrate --resume --control " + control
                    + " [--to tcp:HOST:PORT]' ";
            status.println("migrate: postcopy-paused (a connection broke; the guest lives on both ends): " + (auto
                    ? "reconnecting by itself every " + FIRST_DELAY_MS / 1000 + " s and up to every "
                    + MAX_DELAY_MS / 1000 + " s" + (resume.isEmpty() ? "" : "; " + resume + "resumes now")
                    : "waiting for " + resume + "(postcopy-auto-resume off)")
                    + "; Ctrl-C gives up and loses the guest");
            delayMs = FIRST_DELAY_MS;
            nextAutoNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMs);
            if (driver == null) {
                driver = Thread.ofPlatform().daemon(true).name("jmultifd-cli-resume").start(this::drive);
            }
        }
        notifyAll();
    }

    /** A --resume: an attempt now (after one under way), its outcome in one line. */
    Reply resume(Resume request) {
        Asked a = new Asked(request.toOrNull(), new CompletableFuture<>());
        synchronized (this) {
            if (phase != Progress.Phase.POSTCOPY_PAUSED && !attempting || driver == null || closed) {
                return notPaused();
            }
            asked.add(a);
            notifyAll();
        }
        try {
            return a.reply().get(REPLY_WAIT_MS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            Endpoint target;
            synchronized (this) {
                target = a.toOrNull() == null ? to : a.toOrNull();
            }
            return Reply.error("still reconnecting to " + target + " after "
                    + REPLY_WAIT_MS / 1000 + " s; the source goes on trying (its stderr says how it ends)");
        } catch (InterruptedException | ExecutionException e) {
            return Reply.error("no outcome: " + Main.describe(e));
        }
    }

    /** The command ends: the attempts' thread ends too (a migration that ended said so already). */
    @Override
    public synchronized void close() {
        closed = true;
        notifyAll();
    }

    private Reply notPaused() {
        return Reply.error("not paused: the migration is " + phase + (phase.ended() ? "" : "; nothing to resume"));
    }

    /** The attempts, one at a time: each --resume in turn, and (auto) one when the backoff's delay has passed. */
    private void drive() {
        while (true) {
            Asked next;
            synchronized (this) {
                try {
                    while (true) {
                        if (phase.ended() || closed) {
                            asked.forEach(a -> a.reply().complete(notPaused()));
                            asked.clear();
                            return;
                        }
                        next = asked.poll();
                        long waitMs = TimeUnit.NANOSECONDS.toMillis(nextAutoNanos - System.nanoTime());
                        if (next != null || auto && phase == Progress.Phase.POSTCOPY_PAUSED && waitMs <= 0) {
                            break;
                        }
                        wait(auto && phase == Progress.Phase.POSTCOPY_PAUSED ? Math.max(1, waitMs) : 0);
                    }
                } catch (InterruptedException e) {
                    return;
                }
                if (phase != Progress.Phase.POSTCOPY_PAUSED) { // resumed (or ended) meanwhile
                    next.reply().complete(notPaused());
                    continue;
                }
                attempting = true;
            }
            Endpoint target = next == null || next.toOrNull() == null ? to : next.toOrNull();
            Reply outcome = attempt(next == null ? null : next.toOrNull(), target);
            synchronized (this) {
                attempting = false;
                to = target; // the engine keeps the endpoint of its last attempt
                if (!outcome.ok() && phase == Progress.Phase.POSTCOPY_ACTIVE) {
                    phase = Progress.Phase.POSTCOPY_PAUSED; // the attempt's failure, whose report may come late
                }
                delayMs = outcome.ok() ? FIRST_DELAY_MS : next != null ? delayMs : Math.min(MAX_DELAY_MS, delayMs * 2);
                nextAutoNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMs);
            }
            if (next != null) {
                status.println("migrate: --resume: " + outcome.text());
                next.reply().complete(outcome);
            }
        }
    }

    /** One attempt: its outcome once the engine has made it (or the migration ended). */
    private Reply attempt(Endpoint toOrNull, Endpoint target) {
        CompletableFuture<Optional<MigrationFailure>> outcome;
        try {
            outcome = source.apply(toOrNull);
        } catch (IllegalStateException e) {
            return notPaused();
        }
        while (true) {
            try {
                Optional<MigrationFailure> failure = outcome.get(200, TimeUnit.MILLISECONDS);
                return failure.isEmpty() ? Reply.ok("resumed: reconnected to " + target + "; postcopy goes on")
                        : Reply.error("the resume to " + target + " failed, still postcopy-paused: "
                        + failure.get().message());
            } catch (TimeoutException e) {
                synchronized (this) {
                    if (phase.ended()) {
                        return notPaused();
                    }
                }
            } catch (ExecutionException e) { // the migration ended instead
                return Reply.error("the resume to " + target + " failed: " + Main.describe(e.getCause()));
            } catch (InterruptedException e) {
                return Reply.error("the resume to " + target + ": no outcome: interrupted");
            }
        }
    }
}
