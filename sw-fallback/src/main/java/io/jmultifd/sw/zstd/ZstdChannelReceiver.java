package io.jmultifd.sw.zstd;

import com.github.luben.zstd.Zstd;
import io.jmultifd.spi.ChannelContext;
import io.jmultifd.spi.ChannelReceiver;
import io.jmultifd.spi.CorruptPayloadException;
import io.jmultifd.spi.MethodStatistics;
import io.jmultifd.sw.ChannelCounters;
import io.jmultifd.sw.PacketChecks;
import io.jmultifd.sw.StreamIntoPages;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Decodes the packets of a channel's one zstd frame ({@link ZstdChannelSender}) in the order they come, straight
 * into the destination pages. Each payload's shape is checked first ({@link ChannelStreamLayout}: header on the
 * first packet, whole blocks, frame not ended), then decoded page by page; it must fill the pages exactly and
 * leave nothing behind ({@link StreamIntoPages#decodeFlushedPart}). After a failed packet the stream cannot go on:
 * every later packet is refused.
 */
final class ZstdChannelReceiver implements ChannelReceiver {
    private static final StreamIntoPages LOOP = new StreamIntoPages("zstd", "frame", "");
    private final int pageSize;
    private final int maxPages;
    private final ZstdPayloadDecoder decoder = new ZstdPayloadDecoder("stream");
    /** One byte to try decoding into after a packet's pages are full. */
    private final ByteBuffer probe = ByteBuffer.allocateDirect(1);
    /** The frame header has come (with the first packet that had pages). */
    private boolean started;
    /** A packet failed: the decoder's state no longer follows the sender's. */
    private String brokenBy;
    private final ChannelCounters counters = new ChannelCounters();
    private boolean closed;

    ZstdChannelReceiver(ChannelContext channel) {
        this.pageSize = channel.pageSize();
        this.maxPages = channel.maxPagesPerPacket();
    }

    /** {@link Zstd#compressBound} of the pages, plus the frame header the first packet carries. */
    static long maxPayload(int pageCount, int pageSize) {
        return pageCount == 0 ? 0 : Zstd.compressBound((long) pageCount * pageSize) + ChannelStreamLayout.MAX_HEADER;
    }

    @Override
    public long maxPayloadSize(int pageCount) {
        PacketChecks.checkPageCount(pageCount);
        return maxPayload(pageCount, pageSize);
    }

    @Override
    public void decode(MemorySegment payload, List<MemorySegment> targets) throws CorruptPayloadException {
        PacketChecks.requireOpen(closed, "zstd receiver");
        PacketChecks.checkPages(targets, pageSize, maxPages, "target", true);
        int n = targets.size();
        if (!payload.isNative()) {
            throw new IllegalArgumentException("payload is on the heap; zstd needs an off-heap payload");
        }
        if (brokenBy != null) {
            throw new CorruptPayloadException(-1, "the channel's zstd stream cannot go on after an earlier packet "
                    + "failed (" + brokenBy + ")");
        }
        long size = payload.byteSize();
        if (!ZstdPayloadDecoder.holdsPages(size, n, maxPayloadSize(n), "a packet")) {
            return;
        }
        try {
            ChannelStreamLayout.check(payload, !started);
            started = true;
            decoder.from(payload.asByteBuffer());
            LOOP.decodeFlushedPart(decoder, targets, pageSize, size, probe);
        } catch (CorruptPayloadException e) {
            brokenBy = e.getMessage();
            throw e;
        } finally {
            decoder.done();
        }
        counters.add(n, size, (long) n * pageSize);
    }

    @Override
    public MethodStatistics statistics() {
        return counters.statistics();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        decoder.context.close();
    }
}
