package io.jmultifd.sw.zlib;

import io.jmultifd.spi.ChannelContext;
import io.jmultifd.spi.ChannelReceiver;
import io.jmultifd.spi.CorruptPayloadException;
import io.jmultifd.spi.MethodStatistics;
import io.jmultifd.sw.ChannelCounters;
import io.jmultifd.sw.PacketChecks;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Inflates a packet's zlib stream straight into the destination pages, one after another: each page's
 * {@link ByteBuffer} view is the output window, so nothing is copied and nothing lands outside a page.
 */
final class ZlibReceiver implements ChannelReceiver {
    private final int pageSize;
    private final int maxPages;
    private final Inflater inflater = new Inflater(false);
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
        int page = 0;
        try {
            ByteBuffer target = null;
            for (; page < n; page++) {
                target = targets.get(page).asByteBuffer();
                while (target.hasRemaining()) {
                    int written = target.position();
                    long read = inflater.getBytesRead();
                    inflater.inflate(target);
                    if (inflater.finished() && target.hasRemaining()) {
                        throw new CorruptPayloadException(page, "zlib stream ends after " + target.position()
                                + " of the page's " + pageSize + " bytes; the packet has " + n + " pages");
                    }
                    if (inflater.needsDictionary()) {
                        throw new CorruptPayloadException(page, "zlib stream asks for a preset dictionary");
                    }
                    if (target.position() == written && inflater.getBytesRead() == read) {
                        throw new CorruptPayloadException(page, "zlib payload of " + size + " bytes ends inside "
                                + "the page, after " + target.position() + " of its " + pageSize + " bytes");
                    }
                }
            }
            page = -1;
            // All pages are full: what is left may only be the end of the last block and the Adler-32.
            // Inflating into the full last page makes progress only on such output-free parts.
            while (!inflater.finished()) {
                long read = inflater.getBytesRead();
                inflater.inflate(target);
                if (!inflater.finished() && inflater.getBytesRead() == read) {
                    throw new CorruptPayloadException(-1, inflater.needsInput()
                            ? "zlib payload of " + size + " bytes ends before the end of its stream (end of block "
                                    + "or Adler-32 missing)"
                            : "zlib stream holds more than the packet's " + n + " pages (" + (long) n * pageSize
                                    + " bytes)");
                }
            }
        } catch (DataFormatException e) {
            throw new CorruptPayloadException(page, "invalid zlib stream: " + e.getMessage(), e);
        }
        int trailing = inflater.getRemaining();
        if (trailing != 0) {
            throw new CorruptPayloadException(-1, trailing + " bytes of trailing data after the end of the zlib "
                    + "stream (" + size + " bytes in all)");
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
        inflater.end();
    }
}
