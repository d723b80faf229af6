package io.jmultifd.sw.zstd;

import com.github.luben.zstd.EndDirective;
import com.github.luben.zstd.Zstd;
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
 * One zstd frame per packet, streamed page by page from the guest pages into the channel's own off-heap
 * buffer (sized once with {@link Zstd#compressBound}). The frame declares its content size, which lets the
 * receiver refuse a wrong-sized frame before writing a page.
 *
 * <p>No page copy here, unlike zlib. libzstd copies streamed input into its own buffer, except when a frame
 * is compressed in one call (a one-page packet), where it reads the page in place. Either way the frame's
 * structure (block sizes, literal and match lengths, offsets) follows from positions, not from the bytes
 * read, and the frame carries no checksum (as in QEMU), so a page changing underneath only changes which
 * bytes get sent (resent later by dirty tracking), never the frame's validity or its decoded size.
 */
final class ZstdSender implements ChannelSender {
    private final int pageSize;
    private final int maxPages;
    private final int level;
    // Shared: the engine may close a channel from another thread than the one encoding on it.
    private final Arena arena = Arena.ofShared();
    private final MemorySegment output;
    private final ByteBuffer outputBuffer;
    private final ZstdCompressCtx context;
    /** A frame was left unfinished by an exception: reset the context before the next one. */
    private boolean frameOpen;
    private final ChannelCounters counters = new ChannelCounters();
    private boolean closed;

    ZstdSender(ChannelContext channel, int level) {
        this.pageSize = channel.pageSize();
        this.maxPages = channel.maxPagesPerPacket();
        this.level = level;
        long bound = Zstd.compressBound((long) maxPages * pageSize);
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
        configure();
    }

    private void configure() {
        context.setLevel(level);
        context.setChecksum(false);
        context.setContentSize(true);
    }

    @Override
    public long encode(List<MemorySegment> pageList, List<MemorySegment> out) {
        PacketChecks.requireOpen(closed, "zstd sender");
        // zstd-jni's streaming calls take only direct buffers, i.e. off-heap memory
        PacketChecks.checkPages(pageList, pageSize, maxPages, "page", true);
        int n = pageList.size();
        if (n == 0) {
            return 0;
        }
        if (frameOpen) {
            context.reset(); // also resets the parameters
            configure();
        }
        frameOpen = true;
        outputBuffer.clear();
        context.setPledgedSrcSize((long) n * pageSize);
        for (int i = 0; i < n; i++) {
            ByteBuffer page = pageList.get(i).asByteBuffer();
            boolean last = i == n - 1;
            EndDirective directive = last ? EndDirective.END : EndDirective.CONTINUE;
            // CONTINUE: until libzstd has taken the page. END: until the frame is complete and flushed.
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
        frameOpen = false;
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
