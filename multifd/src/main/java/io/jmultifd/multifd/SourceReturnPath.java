package io.jmultifd.multifd;

import io.jmultifd.multifd.MigrationFailure.Cause;
import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.postcopy.PostcopySource;
import io.jmultifd.multifd.verify.Verification;
import io.jmultifd.multifd.wire.DestinationMessage;
import io.jmultifd.multifd.wire.ErrorMessage;
import io.jmultifd.multifd.wire.MemoryChecked;
import io.jmultifd.multifd.wire.MessageReader;
import io.jmultifd.multifd.wire.PageRequest;
import io.jmultifd.multifd.wire.PostcopyRunning;
import io.jmultifd.multifd.wire.Verdict;
import io.jmultifd.multifd.wire.WireException;

import java.io.IOException;

/**
 * What the destination says after setup, read on thread {@code jmultifd-src-reader}: with postcopy-ram=on the
 * return path's RUNNING and page requests (handed to {@link PostcopySource}), then the verdict and the
 * destination's memory check (handed to the {@link Verification}), or why it failed.
 */
record SourceReturnPath(MessageReader reader, GuestMemory guest, PostcopySource postcopy, Failure failure,
                        Watchdog watchdog, Verification verification) implements Runnable {

    @Override
    public void run() {
        long[] blockSizes = postcopy == null ? null : guest.blocks().stream().mapToLong(b -> b.size()).toArray();
        try {
            for (boolean more = true; more; ) {
                more = switch (DestinationMessage.read(reader, blockSizes, guest.pageSize())) {
                    case Verdict v -> {
                        watchdog.progressed();
                        yield verification.verdict(v);
                    }
                    case MemoryChecked c -> {
                        watchdog.progressed();
                        yield verification.peerChecked(c);
                    }
                    case ErrorMessage(String message) -> {
                        failure.peerFailed(Cause.PEER, "destination failed: " + message);
                        yield false;
                    }
                    case PageRequest r -> {
                        postcopy.requested(r);
                        yield true;
                    }
                    case PostcopyRunning r -> {
                        watchdog.progressed();
                        postcopy.running();
                        yield true;
                    }
                };
            }
        } catch (IOException e) {
            failure.fail(e instanceof WireException ? Cause.PROTOCOL : Cause.CONNECTION,
                    "main channel: " + Failure.describe(e));
        }
    }
}
