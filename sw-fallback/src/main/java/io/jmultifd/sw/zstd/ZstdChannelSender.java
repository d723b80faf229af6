package io.jmultifd.sw.zstd;

import com.github.luben.zstd.EndDirective;
import io.jmultifd.spi.ChannelContext;
import java.lang.foreign.MemorySegment;
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
final class ZstdChannelSender extends ZstdStreamSender {
    /** An encode failed part-way: what the receiver has is no longer a prefix of this stream. */
    private boolean broken;

    ZstdChannelSender(ChannelContext channel, int level) {
        super(channel, ZstdChannelReceiver.maxPayload(channel.maxPagesPerPacket(), channel.pageSize()));
        context.setLevel(level);
        context.setChecksum(false); // checked only at a frame's end, which never comes
    }

    @Override
    public long encode(List<MemorySegment> pageList, List<MemorySegment> out) {
        int n = checkPages(pageList);
        if (broken) {
            throw new IllegalStateException("zstd sender: an earlier packet failed part-way, so the channel's stream "
                    + "cannot go on");
        }
        if (n == 0) {
            return 0;
        }
        broken = true;
        int length = stream(pageList, EndDirective.FLUSH, out);
        broken = false;
        return length;
    }
}
