package io.jmultifd.multifd.channels;

import io.jmultifd.multifd.Failure;
import io.jmultifd.multifd.MigrationFailure.Cause;
import io.jmultifd.multifd.MigrationParameters;
import io.jmultifd.multifd.Watchdog;
import io.jmultifd.multifd.ZeroPageMode;
import io.jmultifd.multifd.guest.RamBlock;
import io.jmultifd.multifd.ram.ZeroPages;
import io.jmultifd.multifd.transport.Connection;
import io.jmultifd.multifd.verify.PageDigests;
import io.jmultifd.multifd.wire.FreeRanges;
import io.jmultifd.multifd.wire.PacketHeader;
import io.jmultifd.multifd.wire.PageOffsets;
import io.jmultifd.multifd.wire.Wire;
import io.jmultifd.spi.ChannelContext;
import io.jmultifd.spi.PacketDelivery;
import io.jmultifd.spi.ChannelSender;
import io.jmultifd.spi.MethodStatistics;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Semaphore;

/**
 * One data channel of the source: its sender thread ({@link #run}), method state and buffers (allocated once
 * here). The thread takes batches from its work queue, checks zero pages ({@code multifd-zero-page=multifd}),
 * compresses the rest into the method's buffers and writes header, offsets and payload with one gathering
 * write to its {@link Connection}. Each packet written whole is progress for the {@link Watchdog}.
 */
public final class SendChannel {
    private static final System.Logger LOG = System.getLogger(SendChannel.class.getName());

    private final int index;
    private final Connection conn;
    private final ChannelContext context;
    private final MigrationParameters params;
    private final List<RamBlock> blocks;
    private final RateLimiter limiter;
    private final PageCounters counters;
    private final Failure failure;
    private final Watchdog watchdog;
    private final PageDigests.Recorder sent;
    private ChannelSender sender; // created and closed on this channel's own thread (methods may use confined arenas)
    final ArrayBlockingQueue<PageBatch> free = new ArrayBlockingQueue<>(2);
    final ArrayBlockingQueue<PageBatch> work = new ArrayBlockingQueue<>(2);
    final Semaphore markersWritten = new Semaphore(0);
    private final ByteBuffer header = ByteBuffer.allocateDirect(PacketHeader.SIZE).order(ByteOrder.BIG_ENDIAN);
    private final PageOffsets offsets;
    private FreeRanges freeRanges; // allocated with the first FREE packet (free-page-hint=on)
    private final List<MemorySegment> normal;
    private final List<MemorySegment> out = new ArrayList<>();
    private ByteBuffer[] iov;
    private long sequence;
    private volatile MethodStatistics statistics = MethodStatistics.EMPTY;

    public SendChannel(int index, Connection conn, MigrationParameters params, List<RamBlock> blocks,
                       RateLimiter limiter, PageCounters counters, Failure failure, Watchdog watchdog,
                       PageDigests digests) {
        this.index = index;
        this.sent = digests.recorder();
        this.conn = conn;
        this.params = params;
        // One ordered connection per channel: a method may chain a channel's packets (zstd keeps one stream).
        this.context = new ChannelContext(index, params.pageSize(), params.packetPages(), params.methodParameters(),
                PacketDelivery.IN_ORDER);
        this.blocks = blocks;
        this.limiter = limiter;
        this.counters = counters;
        this.failure = failure;
        this.watchdog = watchdog;
        int packetPages = params.packetPages();
        this.offsets = new PageOffsets(packetPages);
        this.normal = new ArrayList<>(packetPages);
        this.iov = new ByteBuffer[packetPages + 2];
        free.add(new PageBatch(this, packetPages));
        free.add(new PageBatch(this, packetPages));
    }

    public int index() {
        return index;
    }

    /** The method's counters, as of the last SYNC (and final once the channel has ended). */
    public MethodStatistics statistics() {
        return statistics;
    }

    /** The sender thread's body: until END, or until the side stops. */
    public void run() {
        try {
            sender = params.method().newSender(context);
        } catch (RuntimeException e) {
            failure.fail(Cause.METHOD, index, "channel " + index + ": method " + params.methodName()
                    + " cannot set up: " + Failure.describe(e));
            return;
        }
        try {
            while (true) {
                PageBatch batch = work.take();
                switch (batch.type) {
                    case Wire.PACKET_DATA -> sendData(batch);
                    case Wire.PACKET_FREE -> sendFree(batch);
                    case Wire.PACKET_SYNC, Wire.PACKET_END -> {
                        PacketHeader.marker(batch.type, sequence++, batch.round).encode(header);
                        limiter.acquire(PacketHeader.SIZE);
                        conn.writeFully(header);
                        watchdog.progressed();
                        statistics = sender.statistics(); // once per round, not per packet
                        markersWritten.release();
                    }
                    default -> throw new IllegalStateException("batch type " + batch.type);
                }
                int type = batch.type;
                free.put(batch);
                if (type == Wire.PACKET_END) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            // torn down
        } catch (IOException e) {
            failure.failAfterGrace(Cause.CONNECTION, index, "channel " + index + ", packet " + sequence + ": "
                    + Failure.describe(e));
        } catch (RuntimeException e) {
            if (!failure.isSet()) {
                LOG.log(System.Logger.Level.ERROR, "channel " + index + " failed", e);
            }
            failure.fail(Cause.INTERNAL, index, "channel " + index + ", packet " + sequence + ": " + e);
        } finally {
            closeSender();
        }
    }

    // Small methods of one loop each: as one method the JIT compiled it three times (on-stack replacements of its
    // loops, then the whole), 0.7 s of a C2 thread per migration.
    private void sendData(PageBatch batch) throws IOException, InterruptedException {
        normal.clear();
        offsets.clear();
        // Normal pages' offsets first, then the zero pages' (two passes over the batch, no extra arrays).
        int zeroCount = classify(batch);
        addZeroOffsets(batch);
        ByteBuffer offsetBytes = offsets.flip();
        out.clear();
        long payload = normal.isEmpty() ? 0 : sender.encode(normal, out);
        checkPayload(payload);
        PacketHeader.data(sequence++, batch.round, batch.blockIndex, normal.size(), zeroCount, payload).encode(header);
        int buffers = gather(offsetBytes);
        limiter.acquire(PacketHeader.SIZE + offsetBytes.remaining() + payload);
        conn.writeFully(iov, buffers);
        watchdog.progressed(); // a whole packet: bytes alone are no progress
        for (int i = 2; i < buffers; i++) {
            iov[i] = null;
        }
        counters.add(normal.size(), zeroCount, payload);
    }

    /** Sorts the batch's pages into zero and normal ones, recording each page's digest; returns the zero count. */
    private int classify(PageBatch batch) {
        RamBlock block = blocks.get(batch.blockIndex);
        int pageSize = params.pageSize();
        ZeroPageMode mode = params.zeroPageMode();
        int zeroCount = 0;
        for (int i = 0; i < batch.count; i++) {
            MemorySegment page = block.memory().asSlice(batch.offsets[i], pageSize);
            boolean zero = switch (mode) {
                case NONE -> false;
                case LEGACY -> batch.zero[i];
                case MULTIFD -> ZeroPages.isZero(page);
            };
            batch.zero[i] = zero;
            // The digest of what goes now; should the guest change the page meanwhile, it is dirty and goes again.
            long pageIndex = batch.offsets[i] / pageSize;
            if (zero) {
                sent.zero(batch.blockIndex, pageIndex);
                zeroCount++;
            } else {
                sent.page(batch.blockIndex, pageIndex, page);
                normal.add(page);
                offsets.add(batch.offsets[i]);
            }
        }
        return zeroCount;
    }

    private void addZeroOffsets(PageBatch batch) {
        for (int i = 0; i < batch.count; i++) {
            if (batch.zero[i]) {
                offsets.add(batch.offsets[i]);
            }
        }
    }

    private void checkPayload(long payload) {
        long sum = 0;
        for (MemorySegment s : out) {
            sum += s.byteSize();
        }
        if (sum != payload) {
            throw new IllegalStateException("method " + params.methodName() + " returned " + payload
                    + " bytes but segments of " + sum);
        }
    }

    /** The packet's buffers in {@link #iov}: header, offsets, then the payload's segments; returns their count. */
    private int gather(ByteBuffer offsetBytes) {
        if (iov.length < out.size() + 2) {
            iov = new ByteBuffer[out.size() + 2];
        }
        iov[0] = header;
        iov[1] = offsetBytes;
        for (int i = 0; i < out.size(); i++) {
            iov[i + 2] = out.get(i).asByteBuffer();
        }
        return out.size() + 2;
    }

    /** Header and ranges with one write; nothing of the free pages themselves is read. */
    private void sendFree(PageBatch batch) throws IOException, InterruptedException {
        if (freeRanges == null) {
            freeRanges = new FreeRanges(params.packetPages());
        }
        freeRanges.clear();
        long pages = 0;
        for (int i = 0; i < batch.count; i++) {
            freeRanges.add(batch.offsets[i], batch.rangePages[i]);
            sent.zeros(batch.blockIndex, batch.offsets[i] / params.pageSize(), batch.rangePages[i]);
            pages += batch.rangePages[i];
        }
        PacketHeader.free(sequence++, batch.round, batch.blockIndex, batch.count).encode(header);
        iov[0] = header;
        iov[1] = freeRanges.flip();
        limiter.acquire(PacketHeader.SIZE + iov[1].remaining());
        conn.writeFully(iov, 2);
        watchdog.progressed();
        counters.addFree(pages);
    }

    private void closeSender() {
        try {
            statistics = sender.statistics();
            sender.close();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "closing channel " + index + " sender: " + e);
        }
    }
}
