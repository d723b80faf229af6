package io.jmultifd.sw.zlib;

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
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Inflates a packet's zlib stream straight into the destination pages, one after another ({@link StreamIntoPages},
 * the loop zstd shares): each page's {@link ByteBuffer} view is the output window, so nothing is copied and nothing
 * lands outside a page.
 */
final class ZlibReceiver implements ChannelReceiver {
    private final int pageSize;
    private final int maxPages;
    private static final StreamIntoPages LOOP =
            new StreamIntoPages("zlib", "stream", " (end of block or Adler-32 missing)");
    private final Inflater inflater = new Inflater(false);
    private final StreamIntoPages.Decoder decoder = new StreamIntoPages.Decoder() {
        @Override
        public boolean decodeInto(ByteBuffer target) throws StreamIntoPages.InvalidStream {
            try {
                inflater.inflate(target);
            } catch (DataFormatException e) {
                throw new StreamIntoPages.InvalidStream("invalid zlib stream: " + e.getMessage(), e);
            }
            if (inflater.needsDictionary()) {
                throw new StreamIntoPages.InvalidStream("zlib stream asks for a preset dictionary", null);
            }
            return inflater.finished();
        }

        @Override
        public long bytesRead() {
            return inflater.getBytesRead();
        }

        @Override
        public long bytesRemaining() {
            return inflater.getRemaining();
        }
    };
    private final ChannelCounters counters = new ChannelCounters();
    private boolean closed;

    ZlibReceiver(ChannelContext context) {
        this.pageSize = context.pageSize();
        this.maxPages = context.maxPagesPerPacket();
    }

    /** {@link ZlibMethod#deflateBound} of the pages: no zlib stream of that input is longer. */
    @Override
    public long maxPayloadSize(int pageCount) {
        PacketChecks.checkPageCount(pageCount);
        return pageCount == 0 ? 0 : ZlibMethod.deflateBound((long) pageCount * pageSize);
    }

    @Override
    public void decode(MemorySegment payload, List<MemorySegment> targets) throws CorruptPayloadException {
        PacketChecks.requireOpen(closed, "zlib receiver");
        PacketChecks.checkPages(targets, pageSize, maxPages, "target", false);
        int n = targets.size();
        long size = payload.byteSize();
        if (size > maxPayloadSize(n)) {
            throw new CorruptPayloadException(-1, "zlib payload of " + size + " bytes is longer than the "
                    + maxPayloadSize(n) + " bytes any zlib stream of " + n + " pages can take");
        }
        if (n == 0) {
            if (size != 0) {
                throw new CorruptPayloadException(-1, size + " bytes of zlib payload in a packet of no pages");
            }
            return;
        }
        inflater.reset();
        inflater.setInput(payload.asByteBuffer());
        LOOP.decode(decoder, targets, pageSize, size);
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
        inflater.end();
    }
}
