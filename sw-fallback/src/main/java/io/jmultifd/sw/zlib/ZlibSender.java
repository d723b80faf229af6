package io.jmultifd.sw.zlib;

import io.jmultifd.spi.ChannelContext;
import io.jmultifd.spi.ChannelSender;
import io.jmultifd.spi.MethodStatistics;
import io.jmultifd.sw.ChannelCounters;
import io.jmultifd.sw.PacketChecks;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.zip.Deflater;

/** One zlib stream per packet into the channel's own off-heap buffer, sized once for a full packet. */
final class ZlibSender implements ChannelSender {
    private final int pageSize;
    private final int maxPages;
    // Shared: the engine may close a channel from another thread than the one encoding on it.
    private final Arena arena = Arena.ofShared();
    private final MemorySegment output;
    private final ByteBuffer outputBuffer;
    /**
     * Each page is copied here before deflate, as QEMU's multifd-zlib does: the guest may be writing the page,
     * and zlib does not promise a valid stream (or a matching Adler-32) when its input changes underneath.
     * See JavaDeflatePageCodec for the longer reason.
     */
    private final MemorySegment snapshot;
    private final ByteBuffer snapshotBuffer;
    private final Deflater deflater;
    private final ChannelCounters counters = new ChannelCounters();
    private boolean closed;

    ZlibSender(ChannelContext context, int level) {
        this.pageSize = context.pageSize();
        this.maxPages = context.maxPagesPerPacket();
        long bound = ZlibMethod.deflateBound((long) maxPages * pageSize);
        if (bound > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a packet of " + maxPages + " pages of " + pageSize
                    + " bytes needs a " + bound + "-byte zlib buffer, more than a ByteBuffer can address");
        }
        try {
            this.output = arena.allocate(bound, 64);
            this.snapshot = arena.allocate(pageSize, 64);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
        this.outputBuffer = output.asByteBuffer();
        this.snapshotBuffer = snapshot.asByteBuffer();
        this.deflater = new Deflater(level, false);
    }

    @Override
    public long encode(List<MemorySegment> pageList, List<MemorySegment> out) {
        PacketChecks.requireOpen(closed, "zlib sender");
        PacketChecks.checkPages(pageList, pageSize, maxPages, "page", false);
        int n = pageList.size();
        if (n == 0) {
            return 0;
        }
        deflater.reset();
        outputBuffer.clear();
        for (int i = 0; i < n; i++) {
            MemorySegment.copy(pageList.get(i), 0, snapshot, 0, pageSize);
            deflater.setInput(snapshotBuffer.clear());
            if (i == n - 1) {
                deflater.finish();
            }
            // Until zlib has taken the whole page (and, for the last one, ended the stream). The buffer holds
            // deflateBound bytes, so running out of room means a broken bound, never bad input.
            while (i == n - 1 ? !deflater.finished() : !deflater.needsInput()) {
                if (!outputBuffer.hasRemaining()) {
                    throw new IllegalStateException("zlib output of " + n + " pages exceeds its bound of "
                            + outputBuffer.capacity() + " bytes");
                }
                deflater.deflate(outputBuffer);
            }
        }
        int length = outputBuffer.position();
        out.add(output.asSlice(0, length));
        counters.add(n, (long) n * pageSize, length);
        return length;
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
        try {
            deflater.end();
        } finally {
            arena.close();
        }
    }
}
