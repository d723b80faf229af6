package io.jmultifd.multifd;

import io.jmultifd.multifd.channels.ReceiveChannel;
import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.RamBlock;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The destination's half of the verify step. The received memory is final once every channel has read END,
 * which the source sends before it computes its own checksums: computing ours from then on, on a thread of
 * their own, overlaps the two (both are downtime).
 */
final class ReceivedChecksums {
    private final List<ReceiveChannel> channels;
    private final GuestMemory received;
    private final Failure failure;
    private final Watchdog watchdog;
    private final CompletableFuture<long[]> checksums = new CompletableFuture<>();
    private volatile java.util.function.BooleanSupplier skip = () -> false;

    private ReceivedChecksums(List<ReceiveChannel> channels, GuestMemory received, Failure failure, Watchdog watchdog) {
        this.channels = channels;
        this.received = received;
        this.failure = failure;
        this.watchdog = watchdog;
    }

    /** Starts thread {@code jmultifd-dst-verify}, which computes them when every channel has ended. */
    static ReceivedChecksums start(EngineThreads threads, List<ReceiveChannel> channels, GuestMemory received,
                                   Failure failure, Watchdog watchdog) {
        ReceivedChecksums c = new ReceivedChecksums(channels, received, failure, watchdog);
        threads.start("jmultifd-dst-verify", c::computeWhenReceived);
        return c;
    }

    /** Not computed when {@code skip} says so once the channels ended (after a switchover to postcopy). */
    ReceivedChecksums skipWhen(java.util.function.BooleanSupplier skip) {
        this.skip = skip;
        return this;
    }

    /** Waits for ours; "block NAME: source 0x…, destination 0x…" for every block whose checksums differ. */
    List<String> compare(List<Long> sourceCrc) throws Failure.Stopped, InterruptedException {
        long[] localCrc = failure.await(checksums, "computing the received checksums");
        List<String> mismatches = new ArrayList<>();
        List<RamBlock> blocks = received.blocks();
        for (int i = 0; i < blocks.size(); i++) {
            long crc = localCrc[i];
            long theirs = sourceCrc.get(i);
            if (crc != theirs) {
                mismatches.add(String.format("block %s: source 0x%08x, destination 0x%08x", blocks.get(i).name(), theirs, crc));
            }
        }
        return mismatches;
    }

    private void computeWhenReceived() {
        try {
            for (ReceiveChannel c : channels) {
                while (!c.awaitEnd(20)) {
                    if (failure.isSet()) {
                        checksums.cancel(false);
                        return;
                    }
                }
            }
            if (failure.isSet()) {
                checksums.cancel(false);
                return;
            }
            if (skip.getAsBoolean()) { // postcopy: the page digests verify, the guest runs here
                checksums.complete(new long[0]);
                return;
            }
            List<RamBlock> blocks = received.blocks();
            long[] crc = new long[blocks.size()];
            for (int i = 0; i < crc.length; i++) {
                // Pages that came as free are zero: counted as zeros without reading (and faulting) them.
                crc[i] = blocks.get(i).checksumFreeAsZero();
                watchdog.progressed();
            }
            checksums.complete(crc);
        } catch (InterruptedException e) {
            checksums.cancel(false); // torn down
        } catch (RuntimeException e) {
            checksums.completeExceptionally(e);
        }
    }
}
