package io.jmultifd.sw.zstd;

import com.github.luben.zstd.EndDirective;
import com.github.luben.zstd.Zstd;
import io.jmultifd.spi.ChannelContext;
import java.lang.foreign.MemorySegment;
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
final class ZstdSender extends ZstdStreamSender {
    private final int level;
    /** A frame was left unfinished by an exception: reset the context before the next one. */
    private boolean frameOpen;

    ZstdSender(ChannelContext channel, int level) {
        super(channel, Zstd.compressBound((long) channel.maxPagesPerPacket() * channel.pageSize()));
        this.level = level;
        configure();
    }

    private void configure() {
        context.setLevel(level);
        context.setChecksum(false);
        context.setContentSize(true);
    }

    @Override
    public long encode(List<MemorySegment> pageList, List<MemorySegment> out) {
        int n = checkPages(pageList);
        if (n == 0) {
            return 0;
        }
        if (frameOpen) {
            context.reset(); // also resets the parameters
            configure();
        }
        frameOpen = true;
        context.setPledgedSrcSize((long) n * pageSize);
        int length = stream(pageList, EndDirective.END, out);
        frameOpen = false;
        return length;
    }
}
