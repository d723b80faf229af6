package io.jmultifd.multifd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jmultifd.multifd.MigrationFailure.Cause;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The outcome of each resume asked of a paused source ({@link MigrationSource#resume} returns it): a request the
 * attempt took is answered by that attempt, requests made meanwhile by its success, and a request left when the side
 * ends is told so instead of waiting for ever. (The whole path, with connections, is in PostcopyRecoveryTest and
 * cli.PostcopyCliTest.)
 */
class PostcopyPauseTest {
    private final Failure failure = new Failure(MigrationFailure.Side.SOURCE, f -> { }, () -> { }, new EngineThreads());
    private final PostcopyPause.Requests requests = new PostcopyPause.Requests();
    private final PostcopyPause pause = new PostcopyPause(failure, 0, requests, () -> "resume it", () -> "lost");

    private void pausedByACut() {
        failure.pauseOn(pause.armed(() -> true, f -> { }));
        failure.fail(Cause.CONNECTION, "cut");
        assertTrue(failure.paused() != null);
    }

    @Test
    void theAttemptAnswersItsRequestAndItsSuccessThoseMadeMeanwhile() throws Exception {
        pausedByACut();
        Endpoint to = Endpoint.tcp("127.0.0.1", 5555);
        CompletableFuture<Optional<MigrationFailure>> first = requests.add(to);
        PostcopyPause.Request taken = pause.awaitResume();
        assertEquals(to, taken.toOrNull());
        assertSame(first, taken.outcome());

        // the attempt fails: its request learns why, and the side is paused again
        failure.fail(Cause.CONNECTION, "resume: cannot connect");
        pause.failed(taken);
        assertEquals("resume: cannot connect", first.get(0, TimeUnit.SECONDS).orElseThrow().message());

        CompletableFuture<Optional<MigrationFailure>> second = requests.add(null);
        PostcopyPause.Request again = pause.awaitResume();
        CompletableFuture<Optional<MigrationFailure>> meanwhile = requests.add(null);
        assertSame(second, again.outcome());
        pause.ended(); // reconnected
        assertEquals(Optional.empty(), meanwhile.get(0, TimeUnit.SECONDS), "met by the attempt that succeeded");
    }

    @Test
    void aRequestLeftWhenTheSideEndsIsToldItEnded() {
        pausedByACut();
        CompletableFuture<Optional<MigrationFailure>> left = requests.add(null);
        failure.cancel(); // before the paused source took the request
        assertThrows(Failure.Stopped.class, pause::awaitResume);
        ExecutionException e = assertThrows(ExecutionException.class, () -> left.get(0, TimeUnit.SECONDS));
        assertEquals("the migration ended: cancelled", e.getCause().getMessage());
    }
}
