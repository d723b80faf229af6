package io.jmultifd.multifd.channels;

import io.jmultifd.multifd.Failure;
import io.jmultifd.multifd.MigrationFailure.Cause;
import io.jmultifd.multifd.MigrationParameters;
import io.jmultifd.multifd.Watchdog;
import io.jmultifd.multifd.guest.RamBlock;
import io.jmultifd.multifd.ram.FreePageReceiver;
import io.jmultifd.multifd.ram.ReceiveRounds;
import io.jmultifd.multifd.ram.ZeroPages;
import io.jmultifd.multifd.transport.Connection;
import io.jmultifd.multifd.verify.PageDigests;
import io.jmultifd.multifd.wire.PacketHeader;
import io.jmultifd.multifd.wire.PageOffsets;
import io.jmultifd.multifd.wire.Wire;
import io.jmultifd.multifd.wire.WireException;
import io.jmultifd.spi.ChannelContext;
import io.jmultifd.spi.ChannelReceiver;
import io.jmultifd.spi.CorruptPayloadException;
import io.jmultifd.spi.MethodCapability;
import io.jmultifd.spi.MethodStatistics;
import io.jmultifd.spi.PacketDelivery;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One data channel of the destination: its receiver thread ({@link #run}) reads, validates and applies its
 * packets, decoding straight into the destination pages. Buffers are allocated once, before the first packet.
 * Each packet received whole is progress for the {@link Watchdog}.
 */
public final class ReceiveChannel {
    private static final System.Logger LOG = System.getLogger(ReceiveChannel.class.getName());

    private final int index;
    private final Connection conn;
    private final MigrationParameters local;
    private final List<RamBlock> blocks;
    private final ReceiveRounds rounds;
    private final PageCounters counters;
    private final Failure failure;
    private final Watchdog watchdog;
    private final PageDigests.Recorder placed;
    // Method state and buffers are made and released on the channel's own thread (methods may use
    // confined arenas); they are allocated once, before the first packet.
    private ChannelReceiver receiver;
    private boolean raw;
    private Arena arena;
    private final ByteBuffer header = ByteBuffer.allocateDirect(PacketHeader.SIZE).order(ByteOrder.BIG_ENDIAN);
    private final PageOffsets offsets;
    private FreePageReceiver freePages; // with the first FREE packet
    private MemorySegment payloadBuffer;
    private final ByteBuffer[] scatter;
    private final List<MemorySegment> targets;
    private final CountDownLatch done = new CountDownLatch(1);
    private long sequence;
    private volatile long round;
    private volatile MethodStatistics statistics = MethodStatistics.EMPTY;
    private volatile PagePlacer placer; // postcopy: pages are placed atomically from the switchover on
    private MemorySegment placeBuffer; // the pages of one packet, decoded here before they are placed

    public ReceiveChannel(int index, Connection conn, MigrationParameters local, List<RamBlock> blocks,
                          ReceiveRounds rounds, PageCounters counters, Failure failure, Watchdog watchdog,
                          PageDigests digests) {
        this.index = index;
        this.placed = digests.recorder();
        this.conn = conn;
        this.local = local;
        this.blocks = blocks;
        this.rounds = rounds;
        this.counters = counters;
        this.failure = failure;
        this.watchdog = watchdog;
        int packetPages = local.packetPages();
        this.offsets = new PageOffsets(packetPages);
        this.scatter = new ByteBuffer[packetPages];
        this.targets = new ArrayList<>(packetPages);
    }

    public int index() {
        return index;
    }

    /**
     * From now on pages go through {@code p} (postcopy): decoded into a buffer of this channel and placed, a page
     * placed already is dropped, so a page may come more than once in a round. Set between rounds.
     */
    public void placeThrough(PagePlacer p) {
        placer = p;
    }

    /** The round this channel receives; after END, the number of rounds it received. */
    public long round() {
        return round;
    }

    /** The method's counters, final once the channel has ended. */
    public MethodStatistics statistics() {
        return statistics;
    }

    /** Waits up to {@code timeoutMs} for the channel to end (END, failure or teardown). */
    public boolean awaitEnd(long timeoutMs) throws InterruptedException {
        return done.await(timeoutMs, TimeUnit.MILLISECONDS);
    }

    /**
     * Waits until every channel has ended, checking for a failure meanwhile; each must have received the
     * {@code rounds} rounds the source's completion names.
     */
    public static void awaitEnded(List<ReceiveChannel> channels, long rounds, Failure failure)
            throws Failure.Stopped, InterruptedException, WireException {
        for (ReceiveChannel c : channels) {
            while (!c.awaitEnd(20)) {
                failure.check();
            }
        }
        failure.check();
        for (ReceiveChannel c : channels) {
            if (c.round() != rounds) {
                throw new WireException("channel " + c.index() + " ended after " + c.round()
                        + " rounds, the source says " + rounds);
            }
        }
    }

    private String where() {
        return "channel " + index + ", packet " + sequence + ": ";
    }

    private void setUp() {
        int packetPages = local.packetPages();
        receiver = local.method().newReceiver(
                new ChannelContext(index, local.pageSize(), packetPages, local.methodParameters(), PacketDelivery.IN_ORDER));
        raw = local.method().capabilities().contains(MethodCapability.RECEIVES_RAW_PAGES_IN_PLACE);
        arena = Arena.ofConfined();
        long maxPayload = receiver.maxPayloadSize(packetPages);
        if (maxPayload < 0) {
            throw new IllegalStateException("method " + local.methodName() + " reports a negative maxPayloadSize");
        }
        payloadBuffer = raw ? null : arena.allocate(Math.max(1, maxPayload), 64);
    }

    /** The receiver thread's body: until END, or until the side stops. */
    public void run() {
        try {
            setUp();
        } catch (RuntimeException | OutOfMemoryError e) {
            failure.fail(Cause.METHOD, index, "channel " + index + ": method " + local.methodName()
                    + " cannot set up: " + Failure.describe(e));
            closeReceiver();
            done.countDown();
            return;
        }
        try {
            while (true) {
                if (!packet()) {
                    break;
                }
                sequence++;
            }
        } catch (WireException | CorruptPayloadException e) {
            failure.fail(Cause.PROTOCOL, index, where() + e.getMessage());
        } catch (IOException e) {
            failure.failAfterGrace(Cause.CONNECTION, index, where() + Failure.describe(e));
        } catch (InterruptedException | BrokenBarrierException e) {
            // torn down
        } catch (InternalError e) {
            // A Java access to destination memory that faulted (SIGBUS): a file-backed block whose disk could
            // not back a page. Failing here also keeps the checksum from reading those pages: a fault inside
            // an intrinsic or native code ends the JVM. The reservation of --output files prevents it.
            failure.fail(Cause.INTERNAL, index, where() + "the received memory faulted (" + e.getMessage()
                    + "); a file-backed block whose file system is full?");
        } catch (RuntimeException e) {
            if (!failure.isSet()) {
                LOG.log(System.Logger.Level.ERROR, "channel " + index + " failed", e);
            }
            failure.fail(Cause.INTERNAL, index, where() + e);
        } finally {
            closeReceiver();
            done.countDown();
        }
    }

    /** Reads one packet; false after END. */
    private boolean packet() throws IOException, CorruptPayloadException, InterruptedException, BrokenBarrierException {
        header.clear();
        conn.readFully(header, "the packet header");
        PacketHeader h = PacketHeader.decode(header.flip());
        h.checkOrder(sequence, round);
        switch (h.type()) {
            case Wire.PACKET_SYNC, Wire.PACKET_END -> {
                h.checkMarker();
                watchdog.progressed();
                if (h.type() == Wire.PACKET_END) {
                    return false;
                }
                // Wait for every channel to finish this round, so no older copy lands after a newer one.
                rounds.awaitRoundEnd();
                round++;
                return true;
            }
            case Wire.PACKET_FREE -> {
                free(h);
                watchdog.progressed();
                return true;
            }
            case Wire.PACKET_DATA -> {
                data(h);
                watchdog.progressed(); // a whole packet: bytes alone are no progress
                return true;
            }
            default -> throw new WireException("unknown packet type " + h.type());
        }
    }

    // The page path is split into small methods of one loop each: as one method with six loops the JIT compiled
    // it five times (on-stack replacements of its loops, then the whole), 1.8 s of a C2 thread per migration.
    private void data(PacketHeader h) throws IOException, CorruptPayloadException {
        int pageSize = local.pageSize();
        h.checkData(blocks.size(), local.packetPages());
        int normal = (int) h.normalPages();
        long payload = h.payloadLength();
        if (raw) {
            h.checkRawPayload(pageSize);
        } else {
            h.checkPayload(normal == 0 ? 0 : receiver.maxPayloadSize(normal), payloadBuffer.byteSize(),
                    local.methodName());
        }
        int blockIndex = (int) h.block();
        RamBlock block = blocks.get(blockIndex);
        int count = (int) h.pageCount();
        conn.readFully(offsets.expect(count), "the page offsets");
        PagePlacer p = placer;
        checkOffsets(block, blockIndex, count, pageSize, p == null);
        if (p == null && block.anonymousMapping()) {
            backRuns(block, normal, pageSize);
        }
        collectTargets(p, block, normal, pageSize);
        if (normal > 0) {
            if (raw) {
                // The method's payload is the pages (`none`): scatter-read straight into them, no buffer in between.
                readInPlace(normal);
            } else {
                MemorySegment pl = payloadBuffer.asSlice(0, payload);
                conn.readFully(pl.asByteBuffer(), "the payload");
                receiver.decode(pl, targets);
            }
        }
        if (p != null) {
            place(p, blockIndex, normal, count);
        } else {
            recordDigests(blockIndex, normal, pageSize);
            zeroPages(block, blockIndex, normal, count, pageSize);
        }
        counters.add(normal, h.zeroPages(), payload);
    }

    /** Every offset lies in the block; in precopy each page comes once per round. */
    private void checkOffsets(RamBlock block, int blockIndex, int count, int pageSize, boolean claim)
            throws WireException {
        for (int i = 0; i < count; i++) {
            long off = offsets.page(i, block.name(), block.size(), pageSize);
            if (claim && !rounds.claim(blockIndex, off / pageSize)) {
                throw new WireException(String.format("page offset 0x%x of block %s sent twice in round %d",
                        off, block.name(), round));
            }
        }
    }

    /** Where the normal pages go: the guest's memory, or in postcopy a buffer the placer copies from. */
    private void collectTargets(PagePlacer p, RamBlock block, int normal, int pageSize) {
        targets.clear();
        if (p != null && placeBuffer == null) {
            placeBuffer = arena.allocate((long) local.packetPages() * pageSize, pageSize);
        }
        for (int i = 0; i < normal; i++) {
            targets.add(p != null ? placeBuffer.asSlice((long) i * pageSize, pageSize)
                    : block.memory().asSlice(offsets.get(i), pageSize));
        }
    }

    private void readInPlace(int normal) throws IOException {
        for (int i = 0; i < normal; i++) {
            scatter[i] = targets.get(i).asByteBuffer();
        }
        conn.readFully(scatter, normal, "the payload");
        receiver.receivedInPlace(targets);
    }

    /** The digest of each page as placed (read back while it is still in the cache). */
    private void recordDigests(int blockIndex, int normal, int pageSize) {
        for (int i = 0; i < normal; i++) {
            placed.page(blockIndex, offsets.get(i) / pageSize, targets.get(i));
        }
    }

    private void zeroPages(RamBlock block, int blockIndex, int normal, int count, int pageSize) {
        for (int i = normal; i < count; i++) {
            MemorySegment page = block.memory().asSlice(offsets.get(i), pageSize);
            // Only write pages that are not zero already: a fresh destination stays untouched (and unfaulted).
            if (!ZeroPages.isZero(page)) {
                page.fill((byte) 0);
            }
            placed.zero(blockIndex, offsets.get(i) / pageSize);
        }
    }

    /**
     * Backs the packet's pages before they are written, one call per run of adjacent pages (a scan sends them in
     * order, so a packet is mostly one run) instead of a page fault per page; zero pages are left unbacked.
     */
    private void backRuns(RamBlock block, int normal, int pageSize) {
        int i = 0;
        while (i < normal) {
            long start = offsets.get(i);
            int j = i + 1;
            while (j < normal && offsets.get(j) == start + (long) (j - i) * pageSize) {
                j++;
            }
            block.backBeforeWriting(start, (long) (j - i) * pageSize);
            i = j;
        }
    }

    /**
     * Postcopy: the decoded pages, then the zero pages, placed atomically (copies of placed pages dropped); the
     * placer records the digest of each page it placed.
     */
    private void place(PagePlacer p, int blockIndex, int normal, int count) {
        for (int i = 0; i < normal; i++) {
            p.place(blockIndex, offsets.get(i), targets.get(i), placed);
        }
        for (int i = normal; i < count; i++) {
            p.placeZero(blockIndex, offsets.get(i), placed);
        }
    }

    /** Free pages (free-page-hint=on): they read as zero from now on. */
    private void free(PacketHeader h) throws IOException {
        if (!local.freePageHint()) {
            throw new WireException("FREE packet while free-page-hint=off");
        }
        if (placer != null) { // dropping pages would make them fault again
            throw new WireException("FREE packet during postcopy");
        }
        int count = h.checkFree(blocks.size(), local.packetPages());
        if (freePages == null) {
            freePages = new FreePageReceiver(local.packetPages(), local.pageSize());
        }
        conn.readFully(freePages.expect(count), "the free page ranges");
        int blockIndex = (int) h.block();
        counters.addFree(freePages.apply(blocks.get(blockIndex), blockIndex, count, rounds, round, placed));
    }

    private void closeReceiver() {
        if (receiver != null) {
            try {
                statistics = receiver.statistics();
                receiver.close();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "closing channel " + index + " receiver: " + e);
            }
        }
        if (arena != null) {
            arena.close();
        }
    }
}
