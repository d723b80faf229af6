package io.jmultifd.sw.zstd;

import io.jmultifd.spi.CorruptPayloadException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The shape of one packet's part of a channel's zstd stream (RFC 8878), checked before libzstd decodes any of it:
 * the first packet opens the channel's one frame with its header, and every packet is whole blocks that are not
 * the frame's last (the sender flushes at each packet's end and never ends the frame). So a packet that is cut,
 * has bytes after its last block or ends the frame is refused for what it is, and libzstd never holds half a block
 * from one packet for the next.
 *
 * <p>The frame header must not declare a content size (a frame with no end has none) and its window may be at
 * most {@link #MAX_WINDOW}, the window of the highest level accepted, so a peer cannot make the receiver allocate
 * more than a legal sender needs.
 */
final class ChannelStreamLayout {
    /** Window of level 20, the highest {@code multifd-zstd-level}, for a stream of unknown size: 2^25 bytes. */
    static final long MAX_WINDOW = 1L << 25;
    /** The largest block (RFC 8878 3.1.1.2.4: Block_Maximum_Size is at most 128 KiB). */
    static final int MAX_BLOCK = 128 * 1024;
    /** The longest frame header: magic 4, descriptor 1, window 1, dictionary id 4, content size 8. */
    static final int MAX_HEADER = 18;
    private static final int MAGIC = 0xFD2FB528;
    /** What a frame per packet in a channel stream most likely is. */
    private static final String PER_PACKET_HINT = " (a frame per packet is what a sender with " + ZstdMethod.STREAM
            + "=" + ZstdMethod.STREAM_PACKET + " makes)";
    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private ChannelStreamLayout() {
    }

    /**
     * Checks one packet's payload.
     *
     * @param first whether this is the channel's first packet with pages, which starts with the frame header
     */
    static void check(MemorySegment payload, boolean first) throws CorruptPayloadException {
        long size = payload.byteSize();
        long at = first ? header(payload) : 0;
        if (at >= size) {
            throw new CorruptPayloadException(-1, "zstd payload of " + size + " bytes holds no block");
        }
        while (at < size) {
            if (size - at < 3) {
                throw new CorruptPayloadException(-1, "zstd payload of " + size + " bytes ends inside a block header"
                        + " at byte " + at);
            }
            int header = (payload.get(ValueLayout.JAVA_BYTE, at) & 0xFF)
                    | (payload.get(ValueLayout.JAVA_BYTE, at + 1) & 0xFF) << 8
                    | (payload.get(ValueLayout.JAVA_BYTE, at + 2) & 0xFF) << 16;
            boolean last = (header & 1) != 0;
            int type = (header >>> 1) & 3;
            int blockSize = header >>> 3;
            if (last) {
                throw new CorruptPayloadException(-1, "zstd block at byte " + at + " ends the frame; a channel's "
                        + "frame goes on until the channel closes" + PER_PACKET_HINT);
            }
            if (type == 3) {
                throw new CorruptPayloadException(-1, "zstd block at byte " + at + " has the reserved block type 3");
            }
            if (blockSize > MAX_BLOCK) {
                throw new CorruptPayloadException(-1, "zstd block at byte " + at + " declares " + blockSize
                        + " bytes, more than the largest block of " + MAX_BLOCK);
            }
            long content = type == 1 ? 1 : blockSize; // an RLE block stores its byte once
            at += 3;
            if (content > size - at) {
                throw new CorruptPayloadException(-1, "zstd payload of " + size + " bytes ends inside the block "
                        + "at byte " + (at - 3) + ", " + (size - at) + " of its " + content + " bytes present");
            }
            at += content;
        }
    }

    /** Checks the frame header at the payload's start; its length. */
    private static long header(MemorySegment payload) throws CorruptPayloadException {
        long size = payload.byteSize();
        if (size < 6 || payload.get(LE_INT, 0) != MAGIC) {
            throw new CorruptPayloadException(-1, "zstd payload of " + size + " bytes does not start with a "
                    + "frame header, as a channel's first packet must");
        }
        int descriptor = payload.get(ValueLayout.JAVA_BYTE, 4) & 0xFF;
        int contentSizeFlag = descriptor >>> 6;
        boolean singleSegment = (descriptor & 0x20) != 0;
        if (singleSegment || contentSizeFlag != 0) {
            throw new CorruptPayloadException(-1, "zstd frame declares its content size; a channel's frame has no "
                    + "end, so it declares none" + PER_PACKET_HINT);
        }
        int windowDescriptor = payload.get(ValueLayout.JAVA_BYTE, 5) & 0xFF;
        long base = 1L << (10 + (windowDescriptor >>> 3));
        long window = base + base / 8 * (windowDescriptor & 7);
        if (window > MAX_WINDOW) {
            throw new CorruptPayloadException(-1, "zstd frame asks for a window of " + window + " bytes, more than "
                    + "the " + MAX_WINDOW + " of the highest level");
        }
        int dictionaryIdBytes = new int[] {0, 1, 2, 4}[descriptor & 3];
        return 6 + dictionaryIdBytes;
    }
}
