package io.jmultifd.accel.qpl;

import io.jmultifd.spi.ChannelContext;
import io.jmultifd.spi.ChannelSender;
import io.jmultifd.spi.MethodStatistics;
import io.jmultifd.spi.PageCodec;
import io.jmultifd.sw.PacketChecks;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Sends packets in the {@code qpl} per-page format with any {@link PageCodec} tier.
 *
 * <p>All memory is allocated once, at setup: the length header ({@code 4 * maxPagesPerPacket} bytes) and one
 * {@code pageSize - 1} output slot per page. {@code encode} appends to {@code out} the header slice, then per
 * page either its slot trimmed to the stream length or, when raw, the guest page itself (no copy).
 *
 * <p>Owns the codec: {@link #close()} closes it.
 */
final class PerPageSender implements ChannelSender {
    private final PageCodec codec;
    private final int pageSize;
    private final int maxPages;
    // Shared, not confined: the sender thread fills these, but the engine may close the channel from another
    // thread (cancel, failure), and a confined arena can only be closed by its owner thread.
    private final Arena arena = Arena.ofShared();
    private final MemorySegment header;
    private final List<MemorySegment> slots;
    /** lengthsBySize[n]: the lengths array handed to the codec for a batch of n pages, made on first use. */
    private final int[][] lengthsBySize;
    private long pagesRaw;
    private long bytesIn;
    private long bytesOut;
    private boolean closed;

    public PerPageSender(ChannelContext context, PageCodec codec) {
        this.codec = Objects.requireNonNull(codec, "codec");
        this.pageSize = context.pageSize();
        this.maxPages = context.maxPagesPerPacket();
        try {
            this.header = arena.allocate(PerPageFormat.headerSize(maxPages), Integer.BYTES);
            long slotSize = pageSize - 1L;
            MemorySegment slotMemory = arena.allocate(slotSize * maxPages, 64);
            List<MemorySegment> s = new ArrayList<>(maxPages);
            for (int i = 0; i < maxPages; i++) {
                s.add(slotMemory.asSlice(slotSize * i, slotSize));
            }
            this.slots = List.copyOf(s);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
        this.lengthsBySize = new int[maxPages + 1][];
    }

    /** The codec tier doing the compression, e.g. {@code "java"}. */
    public String tier() {
        return codec.tier();
    }

    @Override
    public long encode(List<MemorySegment> pages, List<MemorySegment> out) {
        PacketChecks.requireOpen(closed, "sender");
        PacketChecks.checkPages(pages, pageSize, maxPages, "page", false);
        int n = pages.size();
        if (n == 0) {
            return 0;
        }
        int[] lengths = lengthsBySize[n];
        if (lengths == null) {
            lengths = lengthsBySize[n] = new int[n];
        }
        codec.compress(pages, slots.subList(0, n), lengths);

        long payload = PerPageFormat.headerSize(n);
        for (int i = 0; i < n; i++) {
            int length = lengths[i];
            if (!PerPageFormat.isValidLength(length, pageSize)) {
                // A codec bug, not bad input: never put an undecodable length on the wire.
                throw new IllegalStateException(codec.tier() + " codec returned length " + length + " for page "
                        + i + "; must be 1.." + pageSize);
            }
            header.set(PerPageFormat.LENGTH, (long) PerPageFormat.LENGTH_BYTES * i, length);
            payload += length;
        }
        out.add(header.asSlice(0, PerPageFormat.headerSize(n)));
        for (int i = 0; i < n; i++) {
            int length = lengths[i];
            if (length == pageSize) {
                out.add(pages.get(i));
                pagesRaw++;
            } else {
                out.add(slots.get(i).asSlice(0, length));
            }
        }
        bytesIn += (long) n * pageSize;
        bytesOut += payload;
        return payload;
    }

    /**
     * The {@code qpl} method's eight counters ({@link QplCounters}): the codec's, and this sender's raw pages,
     * guest page bytes in and payload bytes out (length header included).
     */
    @Override
    public MethodStatistics statistics() {
        return QplCounters.of(codec.statistics(), pagesRaw, bytesIn, bytesOut);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            codec.close();
        } finally {
            arena.close();
        }
    }
}
