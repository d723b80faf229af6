package io.jmultifd.sw.zstd;

import com.github.luben.zstd.EndDirective;
import com.github.luben.zstd.ZstdCompressCtx;
import io.jmultifd.spi.ChannelContext;
import io.jmultifd.spi.ChannelSender;
import io.jmultifd.spi.MethodStatistics;
import io.jmultifd.sw.ChannelCounters;
import io.jmultifd.sw.PacketChecks;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * What both zstd senders share: the channel's off-heap output buffer, its compression context, and the loop that
 * streams a packet's pages into it page by page. The two differ only in how a packet ends (a frame per packet, or
 * a flush of the channel's one frame) and in what they do after a failed packet.
 */
abstract class ZstdStreamSender implements ChannelSender {
    final int pageSize;
    final int maxPages;
    // Shared: the engine may close a channel from another thread than the one encoding on it.
    private final Arena arena = Arena.ofShared();
    private final MemorySegment output;
    private final ByteBuffer outputBuffer;
    final ZstdCompressCtx context;
    private final ChannelCounters counters = new ChannelCounters();
    private boolean closed;

    /** @param bound the longest payload of a packet of the channel's most pages */
    ZstdStreamSender(ChannelContext channel, long bound) {
        this.pageSize = channel.pageSize();
        this.maxPages = channel.maxPagesPerPacket();
        if (bound > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a packet of " + maxPages + " pages of " + pageSize
                    + " bytes needs a " + bound + "-byte zstd buffer, more than a ByteBuffer can address");
        }
        try {
            this.output = arena.allocate(bound, 64);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
        this.outputBuffer = output.asByteBuffer();
        this.context = new ZstdCompressCtx();
    }

    /** Checks the packet's pages; returns how many there are. */
    final int checkPages(List<MemorySegment> pageList) {
        PacketChecks.requireOpen(closed, "zstd sender");
        // zstd-jni's streaming calls take only direct buffers, i.e. off-heap memory
        PacketChecks.checkPages(pageList, pageSize, maxPages, "page", true);
        return pageList.size();
    }

    /**
     * Streams the (non-empty) pages into the output buffer, the last with {@code lastDirective}, and adds the
     * payload to {@code out}; returns its length.
     */
    final int stream(List<MemorySegment> pageList, EndDirective lastDirective, List<MemorySegment> out) {
        int n = pageList.size();
        outputBuffer.clear();
        for (int i = 0; i < n; i++) {
            ByteBuffer page = pageList.get(i).asByteBuffer();
            boolean last = i == n - 1;
            EndDirective directive = last ? lastDirective : EndDirective.CONTINUE;
            // CONTINUE: until libzstd has taken the page. END/FLUSH: until all it holds is written out.
            while (true) {
                if (!outputBuffer.hasRemaining()) {
                    throw new IllegalStateException("zstd output of " + n + " pages exceeds its bound of "
                            + outputBuffer.capacity() + " bytes");
                }
                boolean done = context.compressDirectByteBufferStream(outputBuffer, page, directive);
                if (last ? done : !page.hasRemaining()) {
                    break;
                }
            }
        }
        int length = outputBuffer.position();
        out.add(output.asSlice(0, length));
        counters.add(n, (long) n * pageSize, length);
        return length;
    }

    @Override
    public final MethodStatistics statistics() {
        return counters.statistics();
    }

    @Override
    public final void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            context.close();
        } finally {
            arena.close();
        }
    }
}
