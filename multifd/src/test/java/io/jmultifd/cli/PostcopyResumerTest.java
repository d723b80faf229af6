package io.jmultifd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jmultifd.cli.ControlProtocol.Reply;
import io.jmultifd.cli.ControlProtocol.Resume;
import io.jmultifd.multifd.Endpoint;
import io.jmultifd.multifd.MigrationFailure;
import io.jmultifd.multifd.Progress;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The resume attempts of the CLI source, against a stand-in for {@code MigrationSource.resume}: a --resume is
 * answered with its own attempt's outcome, to the destination it named, which later attempts keep; a --resume while
 * nothing is paused says what the migration is doing; the message at the pause says how to resume.
 */
class PostcopyResumerTest {
    private static final Endpoint.Tcp FIRST = new Endpoint.Tcp("127.0.0.1", 1111);
    private static final Endpoint.Tcp MOVED = new Endpoint.Tcp("127.0.0.1", 2222);

    /** An attempt the resumer asked for: where to, and the outcome the test gives it. */
    private record Attempt(Endpoint toOrNull, CompletableFuture<Optional<MigrationFailure>> outcome) {}

    private final LinkedBlockingQueue<Attempt> attempts = new LinkedBlockingQueue<>();
    private final StringWriter err = new StringWriter();
    private final List<PostcopyResumer> made = new ArrayList<>();

    @AfterEach
    void close() {
        made.forEach(PostcopyResumer::close); // as the command at its end: no thread of it stays
    }

    private PostcopyResumer resumer(boolean auto) {
        PostcopyResumer r = new PostcopyResumer(to -> {
            Attempt a = new Attempt(to, new CompletableFuture<>());
            attempts.add(a);
            return a.outcome();
        }, FIRST, auto, Path.of("/run/jmultifd/migrate-1.sock"), new StatusLine(new PrintWriter(err, true)));
        made.add(r);
        return r;
    }

    private static Progress at(Progress.Phase phase) {
        return new Progress(phase, 1, 0, 0, 0, 0, 0, -1);
    }

    private Attempt nextAttempt() throws InterruptedException {
        Attempt a = attempts.poll(ChildJvm.HANG_GUARD_SECONDS, TimeUnit.SECONDS);
        assertTrue(a != null, "an attempt was made");
        return a;
    }

    @Test
    void aResumeWhileNothingIsPausedSaysWhatTheMigrationDoes() {
        PostcopyResumer r = resumer(false);
        assertEquals(Reply.error("not paused: the migration is setup; nothing to resume"), r.resume(new Resume(null)));
        r.onProgress(at(Progress.Phase.POSTCOPY_ACTIVE));
        assertEquals(Reply.error("not paused: the migration is postcopy-active; nothing to resume"),
                r.resume(new Resume(MOVED)));
        r.onProgress(at(Progress.Phase.COMPLETED));
        assertEquals(Reply.error("not paused: the migration is completed"), r.resume(new Resume(null)));
        assertTrue(attempts.isEmpty(), attempts.toString());
    }

    @Test
    void withAutoResumeOffAResumeMakesTheAttemptAndAnswersWithItsOutcome() throws Exception {
        PostcopyResumer r = resumer(false);
        r.onProgress(at(Progress.Phase.POSTCOPY_ACTIVE));
        r.onProgress(at(Progress.Phase.POSTCOPY_PAUSED));
        assertTrue(err.toString().contains("migrate: postcopy-paused (a connection broke; the guest lives on both "
                + "ends): waiting for 'jmultifd migrate --resume --control /run/jmultifd/migrate-1.sock "
                + "[--to tcp:HOST:PORT]' (postcopy-auto-resume off)"), err.toString());

        // an attempt to the old address that fails: the source stays paused, and the answer says why
        CompletableFuture<Reply> failed = CompletableFuture.supplyAsync(() -> r.resume(new Resume(null)));
        Attempt a = nextAttempt();
        assertNull(a.toOrNull(), "the same address");
        r.onProgress(at(Progress.Phase.POSTCOPY_ACTIVE)); // as the engine reports an attempt
        r.onProgress(at(Progress.Phase.POSTCOPY_PAUSED));
        a.outcome().complete(Optional.of(MigrationFailure.failed(MigrationFailure.Side.SOURCE,
                MigrationFailure.Cause.CONNECTION, "resume: connection refused")));
        assertEquals(Reply.error("the resume to tcp:127.0.0.1:1111 failed, still postcopy-paused: resume: "
                + "connection refused"), failed.get(ChildJvm.HANG_GUARD_SECONDS, TimeUnit.SECONDS));

        // to a new address: it reconnects
        CompletableFuture<Reply> resumed = CompletableFuture.supplyAsync(() -> r.resume(new Resume(MOVED)));
        Attempt b = nextAttempt();
        assertEquals(MOVED, b.toOrNull());
        r.onProgress(at(Progress.Phase.POSTCOPY_ACTIVE));
        b.outcome().complete(Optional.empty());
        assertEquals(Reply.ok("resumed: reconnected to tcp:127.0.0.1:2222; postcopy goes on"),
                resumed.get(ChildJvm.HANG_GUARD_SECONDS, TimeUnit.SECONDS));
        assertTrue(err.toString().contains("migrate: --resume: resumed: reconnected to tcp:127.0.0.1:2222"),
                err.toString());
        assertEquals(1, err.toString().split("postcopy-paused \\(a connection broke", -1).length - 1,
                "the failed attempt is no new pause: " + err);
        assertTrue(attempts.isEmpty(), "one attempt per request: " + attempts);
    }

    @Test
    void withAutoResumeOnItTriesByItselfAndAResumeToANewAddressIsKept() throws Exception {
        PostcopyResumer r = resumer(true);
        r.onProgress(at(Progress.Phase.POSTCOPY_PAUSED));
        assertTrue(err.toString().contains("reconnecting by itself every 1 s and up to every 30 s; 'jmultifd migrate "
                + "--resume --control /run/jmultifd/migrate-1.sock [--to tcp:HOST:PORT]' resumes now"), err.toString());
        Attempt auto = nextAttempt(); // after the first delay
        assertNull(auto.toOrNull());
        auto.outcome().complete(Optional.of(MigrationFailure.failed(MigrationFailure.Side.SOURCE,
                MigrationFailure.Cause.CONNECTION, "refused")));

        CompletableFuture<Reply> asked = CompletableFuture.supplyAsync(() -> r.resume(new Resume(MOVED)));
        Attempt manual = nextAttempt(); // at once, not after the backoff's 2 s
        assertEquals(MOVED, manual.toOrNull());
        manual.outcome().completeExceptionally(new IllegalStateException("the migration ended: cancelled"));
        assertEquals(Reply.error("the resume to tcp:127.0.0.1:2222 failed: the migration ended: cancelled"),
                asked.get(ChildJvm.HANG_GUARD_SECONDS, TimeUnit.SECONDS));
        r.onProgress(at(Progress.Phase.CANCELLED));
        assertEquals(Reply.error("not paused: the migration is cancelled"), r.resume(new Resume(null)));
        assertFalse(err.toString().contains("Exception"), err.toString());
    }
}
