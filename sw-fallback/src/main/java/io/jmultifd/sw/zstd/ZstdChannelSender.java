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
 * {@code zstd-stream=channel}, as QEMU's multifd-zstd: one zstd frame for the channel's whole life, flushed at the
 * end of every packet ({@code ZSTD_e_flush}), never ended. A packet's matches may reach back into the earlier
 * packets of the channel (up to the level's window), and the frame is set up once, not per packet. The flush ends
 * each packet on a block boundary, so the receiver decodes a packet as soon as it has it.
 *
 * <p>No page copy: libzstd copies streamed input into its own window before compressing it, so a page the guest
 * changes underneath only changes which bytes are sent (resent later by dirty tracking), never the stream's
 * validity. An encode that fails part-way leaves the stream unusable, and the channel with it.
 */
final class ZstdChannelSender implements ChannelSender {
    private final int pageSize;
    private final int maxPages;
    // Shared: the engine may close a channel from another thread than the one encoding on it.
    private final Arena arena = Arena.ofShared();
    private final MemorySegment output;
    private final ByteBuffer outputBuffer;
    private final ZstdCompressCtx context;
    /** An encode failed part-way: what the receiver has is no longer a prefix of this stream. */
    private boolean broken;
    private final ChannelCounters counters = new ChannelCounters();
    private boolean closed;

    ZstdChannelSender(ChannelContext channel, int level) {
        this.pageSize = channel.pageSize();
        this.maxPages = channel.maxPagesPerPacket();
        long bound = ZstdChannelReceiver.maxPayload(maxPages, pageSize);
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
        context.setLevel(level);
        context.setChecksum(false); // checked only at a frame's end, which never comes
    }

    @Override
    public long encode(List<MemorySegment> pageList, List<MemorySegment> out) {
        PacketChecks.requireOpen(closed, "zstd sender");
        // zstd-jni's streaming calls take only direct buffers, i.e. off-heap memory
        PacketChecks.checkPages(pageList, pageSize, maxPages, "page", true);
        if (broken) {
            throw new IllegalStateException("zstd sender: an earlier packet failed part-way, so the channel's stream "
                    + "cannot go on");
        }
        int n = pageList.size();
        if (n == 0) {
            return 0;
        }
        broken = true;
        outputBuffer.clear();
        for (int i = 0; i < n; i++) {
            ByteBuffer page = pageList.get(i).asByteBuffer();
            boolean last = i == n - 1;
            EndDirective directive = last ? EndDirective.FLUSH : EndDirective.CONTINUE;
            // CONTINUE: until libzstd has taken the page. FLUSH: until all it holds is written out.
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
        broken = false;
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
            context.close();
        } finally {
            arena.close();
        }
    }
}
