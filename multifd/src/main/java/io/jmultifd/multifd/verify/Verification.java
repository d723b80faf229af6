package io.jmultifd.multifd.verify;

import io.jmultifd.multifd.Failure;
import io.jmultifd.multifd.MigrationFailure.Cause;
import io.jmultifd.multifd.Watchdog;
import io.jmultifd.multifd.guest.RamBlock;
import io.jmultifd.multifd.transport.Connection;
import io.jmultifd.multifd.wire.Complete;
import io.jmultifd.multifd.wire.MemoryChecked;
import io.jmultifd.multifd.wire.Verdict;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One side's end-to-end verification of a migration, out of the downtime by design. While pages move, each side
 * records the CRC32C of every page it sends or places ({@link PageDigests}); at completion the source sends its
 * blocks' digests, the destination compares them with its own and answers the verdict: that is the handover, the
 * end of the downtime. Then ({@link VerifyMode#INLINE}) each side checks its whole memory against its page digests
 * ({@link MemoryCheck}: the source that its frozen guest is what it sent last, the destination that its guest is
 * what it placed) and tells the other ({@link MemoryChecked}); the migration completes when both matched. With
 * {@link VerifyMode#BLOCKING} each side checks its memory before the handover. Together the three comparisons
 * cover what one CRC32C of the whole guest on both ends did: frozen memory = sent = placed = received memory.
 *
 * <p>Postcopy is verified the same way: the source's memory stays frozen from the switchover on, and every page
 * placed after it (userfaultfd) is recorded from the bytes placed. Only the destination's memory check moves: its
 * guest runs and writes its memory from the switchover on, so it checks the memory then, before the guest starts
 * ({@link #checkBeforeTheGuestRuns}), whatever the mode, and reports that after the handover.
 */
public final class Verification {
    private final boolean source;
    private final List<RamBlock> blocks;
    private final PageDigests digests;
    private final VerifyMode mode;
    private final boolean freeAsZero;
    private final Failure failure;
    private final Watchdog watchdog;
    private final EndClock clock;
    private final Downtime downtime;
    private final CompletableFuture<Verdict> verdict = new CompletableFuture<>();
    private final CompletableFuture<MemoryChecked> peer = new CompletableFuture<>();
    private MemoryCheck.Findings findings;
    private long checkStart;
    private long checkNanos;
    private boolean checkedAtSwitchover;
    private long verifyNanos;
    private volatile List<Long> handedOver = List.of(); // the blocks' digests that matched at the handover
    private volatile boolean agreed; // a matching verdict: the destination's to send, or the source's received

    private Verification(boolean source, List<RamBlock> blocks, int pageSize, VerifyMode mode, boolean freeAsZero,
                         Failure failure, Watchdog watchdog, EndClock clock) {
        this.source = source;
        this.blocks = blocks;
        this.digests = new PageDigests(blocks, pageSize);
        this.mode = mode;
        this.freeAsZero = freeAsZero;
        this.failure = failure;
        this.watchdog = watchdog;
        this.clock = clock;
        this.downtime = new Downtime(clock);
    }

    /**
     * @param freeAsZero free-page-hint=on: pages free at the end count as zeros, as both ends agree
     */
    public static Verification source(List<RamBlock> blocks, int pageSize, VerifyMode mode, boolean freeAsZero,
                                      Failure failure, Watchdog watchdog, EndClock clock) {
        return new Verification(true, blocks, pageSize, mode, freeAsZero, failure, watchdog, clock);
    }

    public static Verification destination(List<RamBlock> blocks, int pageSize, VerifyMode mode, boolean freeAsZero,
                                           Failure failure, Watchdog watchdog, EndClock clock) {
        return new Verification(false, blocks, pageSize, mode, freeAsZero, failure, watchdog, clock);
    }

    /** This side's downtime: started at the stop (the state machine), ended at the handover (here). */
    public Downtime downtime() {
        return downtime;
    }

    /** The page digests the channels record into. */
    public PageDigests digests() {
        return digests;
    }

    /**
     * Source, after END on every channel: ({@code verify=blocking}: checks the frozen guest first) sends the blocks'
     * digests and the number of {@code rounds}, waits for the verdict, which ends the downtime, then
     * {@link #afterHandover}.
     *
     * @return whether everything matched; else the failure is recorded
     */
    public boolean handOver(Connection main, long rounds)
            throws IOException, Failure.Stopped, InterruptedException {
        if (mode == VerifyMode.BLOCKING) {
            checkMemory();
        }
        List<Long> ours = digests.blockDigests();
        new Complete(rounds, ours).send(main);
        watchdog.progressed();
        Verdict v = failure.await(verdict, "the destination's verdict");
        downtime.end();
        if (!v.match()) {
            failure.peerFailed(Cause.CHECKSUM_MISMATCH, "checksum mismatch: " + v.message());
            return false;
        }
        handedOver = ours;
        return afterHandover(main);
    }

    /**
     * Destination, postcopy: checks the memory now, at the switchover, the last moment it is what was placed (the
     * guest runs here from then on); after the handover this side only reports what it found. Inside the downtime,
     * as the record of the valid pages at the switchover it replaces was.
     */
    public void checkBeforeTheGuestRuns() {
        checkMemory();
        checkedAtSwitchover = true;
    }

    /** Source: the verdict arrived (the main channel's reader thread); whether more follows (it matched). */
    public boolean verdict(Verdict v) {
        agreed = v.match();
        verdict.complete(v);
        return v.match();
    }

    /**
     * Whether the handover happened: the destination's digests matched the source's (from just before it sends the
     * verdict), or the source received that verdict. From then on the destination holds every page, so a postcopy
     * side no longer pauses on a broken connection: it fails.
     */
    public boolean handedOver() {
        return agreed;
    }

    /**
     * Destination, every page placed: compares the blocks' digests with the source's ({@code verify=blocking}: checks
     * the memory first), sends the verdict, which ends the downtime, then {@link #afterHandover}.
     *
     * @return whether everything matched; else the failure is recorded
     */
    public boolean verdict(Connection main, List<Long> sourceDigests)
            throws IOException, Failure.Stopped, InterruptedException {
        List<String> mismatches = new ArrayList<>();
        List<Long> ours = digests.blockDigests();
        for (int i = 0; i < blocks.size(); i++) {
            long theirs = sourceDigests.get(i);
            if (ours.get(i) != theirs) {
                mismatches.add(String.format("block %s: source 0x%08x, destination 0x%08x", blocks.get(i).name(), theirs,
                        ours.get(i)));
            }
        }
        if (mismatches.isEmpty() && mode == VerifyMode.BLOCKING && !checkedAtSwitchover) {
            checkMemory();
        }
        String differ = String.join("; ", mismatches);
        agreed = mismatches.isEmpty(); // every page is here: a break from now on is no postcopy pause
        new Verdict(mismatches.isEmpty(), mismatches.isEmpty() ? "checksums match" : differ).send(main);
        downtime.end();
        if (!mismatches.isEmpty()) {
            failure.fail(Cause.CHECKSUM_MISMATCH, "checksum mismatch: " + differ);
            return false;
        }
        handedOver = ours;
        return afterHandover(main);
    }

    /**
     * After a matching verdict: checks the memory (unless done before the handover), tells the peer, waits for the
     * peer's check.
     *
     * @return whether both sides' memory matched; else the failure is recorded, naming the differing pages
     */
    private boolean afterHandover(Connection main) throws IOException, Failure.Stopped, InterruptedException {
        if (findings == null) {
            checkMemory();
        }
        // Postcopy destination: its check at the switchover, then the wait for the source's from the handover on.
        long from = checkedAtSwitchover ? clock.nanos(EndClock.Moment.HANDED_OVER) - checkNanos : checkStart;
        new MemoryChecked(findings.ok(), findings.ok() ? "memory matches" : findings.describe()).send(main);
        watchdog.progressed();
        MemoryChecked theirs = failure.await(peer, "the " + (source ? "destination" : "source") + "'s memory check");
        verifyNanos = clock.nanos(EndClock.Moment.VERIFIED) - from;
        List<String> differ = new ArrayList<>();
        if (!findings.ok()) {
            differ.add(memoryDiffers(source) + findings.describe());
        }
        if (!theirs.match()) {
            differ.add(memoryDiffers(!source) + theirs.message());
        }
        if (differ.isEmpty()) {
            return true;
        }
        String message = String.join("; and ", differ);
        if (!findings.ok()) {
            failure.fail(Cause.CHECKSUM_MISMATCH, message);
        } else {
            failure.peerFailed(Cause.CHECKSUM_MISMATCH, message);
        }
        return false;
    }

    private static String memoryDiffers(boolean source) {
        return source ? "source memory differs from the pages sent last: "
                : "destination memory differs from the pages placed: ";
    }

    /** The peer's memory check arrived (the main channel's reader thread); nothing follows it. */
    public boolean peerChecked(MemoryChecked c) {
        peer.complete(c);
        return false;
    }

    /**
     * Each block's CRC32C as migrated (block name to value), once the blocks' digests matched at the handover; empty
     * before. The CLI's {@code block-checksums}: no further pass over the guest.
     */
    public Map<String, Long> blockChecksums() {
        List<Long> d = handedOver;
        Map<String, Long> m = new LinkedHashMap<>();
        for (int i = 0; i < d.size(); i++) {
            m.put(blocks.get(i).name(), d.get(i));
        }
        return m;
    }

    /** From the start of this side's memory check until both checks were known; 0 when it did not get so far. */
    public long verifyNanos() {
        return verifyNanos;
    }

    private void checkMemory() {
        checkStart = clock.nanos(EndClock.Moment.MEMORY_CHECK_START);
        findings = MemoryCheck.run(blocks, digests, source ? "sent" : "placed", freeAsZero, () -> {
            watchdog.progressed();
            return !failure.isSet();
        });
        checkNanos = clock.nanos(EndClock.Moment.MEMORY_CHECK_END) - checkStart;
    }
}
