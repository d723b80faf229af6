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
 * Decompresses a packet's zstd frame straight into the destination pages, one page's {@link ByteBuffer} view
 * after another (libzstd writes only inside the view it is given), in the loop zlib shares ({@link StreamIntoPages}). The frame's declared content size is
 * checked against the packet's pages before any page is written; the stream is then checked again while
 * decoding, for frames whose blocks do not match what the header says.
 */
final class ZstdReceiver implements ChannelReceiver {
    private final int pageSize;
    private final int maxPages;
    private static final StreamIntoPages LOOP = new StreamIntoPages("zstd", "frame", "");
    private final ZstdPayloadDecoder decoder = new ZstdPayloadDecoder("frame");
    /** A decode failed part-way: the context holds a half-read frame and must be reset. */
    private boolean frameOpen;
    private final ChannelCounters counters = new ChannelCounters();
    private boolean closed;

    ZstdReceiver(ChannelContext channel) {
        this.pageSize = channel.pageSize();
        this.maxPages = channel.maxPagesPerPacket();
    }

    /** {@link Zstd#compressBound} of the pages: the sender's frame is never longer. */
    @Override
    public long maxPayloadSize(int pageCount) {
        PacketChecks.checkPageCount(pageCount);
        return pageCount == 0 ? 0 : Zstd.compressBound((long) pageCount * pageSize);
    }

    @Override
    public void decode(MemorySegment payload, List<MemorySegment> targets) throws CorruptPayloadException {
        PacketChecks.requireOpen(closed, "zstd receiver");
        // zstd-jni's streaming calls take only direct buffers, i.e. off-heap memory
        PacketChecks.checkPages(targets, pageSize, maxPages, "target", true);
        int n = targets.size();
        if (!payload.isNative()) {
            throw new IllegalArgumentException("payload is on the heap; zstd needs an off-heap payload");
        }
        long size = payload.byteSize();
        if (!ZstdPayloadDecoder.holdsPages(size, n, maxPayloadSize(n), "a frame")) {
            return;
        }
        ByteBuffer source = payload.asByteBuffer();
        long expected = (long) n * pageSize;
        long declared = Zstd.getDirectByteBufferFrameContentSize(source, 0, (int) size, false);
        if (declared != expected) {
            // libzstd: (unsigned long long) -1 = size not in the header, -2 = not a valid frame header
            throw new CorruptPayloadException(-1, declared == -1
                    ? "zstd frame does not declare its content size; the packet's " + n + " pages are " + expected
                            + " bytes"
                    : declared < 0
                    ? "zstd payload of " + size + " bytes does not start with a valid frame header"
                    : "zstd frame declares " + declared + " bytes of content, the packet's " + n + " pages are "
                            + expected);
        }
        if (frameOpen) {
            decoder.context.reset();
        }
        frameOpen = true;
        decoder.from(source);
        try {
            LOOP.decode(decoder, targets, pageSize, size);
        } finally {
            decoder.done();
        }
        frameOpen = false;
        counters.add(n, size, expected);
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
