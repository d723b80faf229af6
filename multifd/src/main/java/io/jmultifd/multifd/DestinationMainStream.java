package io.jmultifd.multifd;

import io.jmultifd.multifd.MigrationFailure.Cause;
import io.jmultifd.multifd.channels.ReceiveChannel;
import io.jmultifd.multifd.postcopy.PostcopyDestination;
import io.jmultifd.multifd.ram.ReceiveRounds;
import io.jmultifd.multifd.verify.Verification;
import io.jmultifd.multifd.wire.Complete;
import io.jmultifd.multifd.wire.ErrorMessage;
import io.jmultifd.multifd.wire.MemoryChecked;
import io.jmultifd.multifd.wire.MessageReader;
import io.jmultifd.multifd.wire.PostcopyDiscard;
import io.jmultifd.multifd.wire.PostcopyRun;
import io.jmultifd.multifd.wire.SourceMessage;
import io.jmultifd.multifd.wire.StopCopy;
import io.jmultifd.multifd.wire.WireException;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The destination's main stream after ACCEPT, on thread {@code jmultifd-dst-main}: the stop-and-copy notice, with
 * postcopy-ram=on the switchover (DISCARD, RUN), then the completion, which it hands to the main thread, and the
 * source's memory check, which it hands to the {@link Verification}.
 */
record DestinationMainStream(MessageReader reader, int blockCount, PostcopyDestination postcopy, ReceiveRounds rounds,
                             List<ReceiveChannel> channels, Failure failure, Watchdog watchdog,
                             DestinationProgress progress, Verification verification,
                             CompletableFuture<Complete> completion) implements Runnable {

    @Override
    public void run() {
        try {
            for (boolean more = true; more; ) {
                SourceMessage m = postcopy == null ? SourceMessage.read(reader, blockCount)
                        : SourceMessage.read(reader, postcopy.blockPages());
                watchdog.progressed();
                more = switch (m) {
                    case StopCopy s -> {
                        verification.downtime().start();
                        progress.report(Progress.Phase.STOP_COPY);
                        yield true;
                    }
                    case PostcopyDiscard d -> {
                        postcopy.discard(d);
                        yield true;
                    }
                    case PostcopyRun r -> {
                        postcopy.run(r, rounds, channels);
                        progress.report(Progress.Phase.POSTCOPY_ACTIVE);
                        yield true;
                    }
                    case ErrorMessage(String message) -> {
                        failure.peerFailed(Cause.PEER, "source failed: " + message);
                        yield false;
                    }
                    case Complete c -> {
                        if (!completion.complete(c)) {
                            throw new WireException("main channel: a second completion");
                        }
                        yield true;
                    }
                    case MemoryChecked c -> verification.peerChecked(c);
                };
            }
        } catch (WireException e) {
            failure.fail(Cause.PROTOCOL, e.getMessage());
        } catch (IOException e) {
            failure.fail(Cause.CONNECTION, "main channel: " + Failure.describe(e));
        } catch (Failure.Stopped | InterruptedException e) {
            // the reason is recorded
        } catch (RuntimeException e) {
            failure.fail(Cause.INTERNAL, "main channel: " + e);
        }
    }
}
