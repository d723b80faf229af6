package io.jmultifd.multifd;

import io.jmultifd.multifd.MigrationFailure.Side;
import io.jmultifd.multifd.transport.Connection;
import io.jmultifd.multifd.wire.ErrorMessage;

import java.io.IOException;
import java.util.List;

/** How a side ends on a failure: its farewell to the peer (on the main connection, the first), then its teardown. */
final class SideEnd {
    private SideEnd() {
    }

    /**
     * Tells the source why the destination stops (the failure is claimed first, so the source's reaction, closing its
     * end, cannot overtake this reason), unless the source said it first or the verdict did.
     */
    static void destinationFarewell(MigrationFailure f, boolean handshakeDone, List<Connection> connections) {
        Connection main = connections.isEmpty() ? null : connections.getFirst();
        if (main == null || !handshakeDone || f.side() != Side.DESTINATION
                || f.cause() == MigrationFailure.Cause.CHECKSUM_MISMATCH) {
            return;
        }
        try {
            new ErrorMessage(f.message()).send(main);
        } catch (IOException ignored) {
            // the source may be gone; the failure stands anyway
        }
    }

    /** Tells the destination why the source stops (on the main connection, the first), unless it said it first. */
    static void sourceFarewell(MigrationFailure f, boolean handshakeDone, List<Connection> connections) {
        if (!handshakeDone || f.side() != Side.SOURCE) {
            return;
        }
        String why = f.status() == MigrationStatus.CANCELLED ? "cancelled by the source" : f.message();
        try {
            new ErrorMessage(why).send(connections.getFirst());
        } catch (IOException ignored) {
            // the destination may be gone
        }
    }

    /** Called once, when the run ends: closing the connections wakes every blocked read and write. */
    static void sourceTeardown(List<Connection> connections, EngineThreads threads, Thread mainThread) {
        for (Connection c : connections) {
            c.close();
        }
        threads.interruptAll();
        if (mainThread != null && mainThread != Thread.currentThread()) {
            mainThread.interrupt();
        }
    }
}
