package io.jmultifd.multifd.wire;

import java.nio.ByteBuffer;

/**
 * The fixed header of every data-channel packet ({@link #SIZE} bytes): DATA carries pages of one block, SYNC
 * closes a round, END the stream. A DATA header is followed by {@link PageOffsets} and the method's payload.
 * The u32 fields are held as non-negative longs, so that every limit check sees the value that was sent.
 *
 * @param sequence      the packet's number on its channel, from 0
 * @param round         the round the packet belongs to; END carries the number of rounds
 * @param payloadLength bytes of method payload after the offsets (u64)
 */
public record PacketHeader(int type, long sequence, long round, long block, long normalPages, long zeroPages,
                           long payloadLength) {
    public static final int SIZE = Wire.HEADER_SIZE;

    public static PacketHeader data(long sequence, long round, int block, int normalPages, int zeroPages, long payloadLength) {
        return new PacketHeader(Wire.PACKET_DATA, sequence, round, block, normalPages, zeroPages, payloadLength);
    }

    /** A FREE packet: {@code ranges} ranges of free pages of {@code block} as its payload ({@link FreeRanges}). */
    public static PacketHeader free(long sequence, long round, int block, int ranges) {
        return new PacketHeader(Wire.PACKET_FREE, sequence, round, block, 0, 0, (long) ranges * FreeRanges.RANGE_BYTES);
    }

    /** A SYNC or END packet: no pages, no payload. */
    public static PacketHeader marker(int type, long sequence, long round) {
        return new PacketHeader(type, sequence, round, 0, 0, 0, 0);
    }

    public long pageCount() {
        return normalPages + zeroPages;
    }

    /** Writes the header into {@code dst} (cleared first) and flips it, ready for the write. */
    public ByteBuffer encode(ByteBuffer dst) {
        dst.clear();
        dst.putInt(Wire.MAGIC_PACKET).putShort((short) Wire.VERSION).putShort((short) type)
                .putLong(sequence).putLong(round).putInt((int) block).putInt((int) normalPages).putInt((int) zeroPages)
                .putLong(payloadLength);
        return dst.flip();
    }

    /** Decodes {@link #SIZE} bytes; the magic and the version must be ours. */
    public static PacketHeader decode(ByteBuffer src) throws WireException {
        int magic = src.getInt();
        int version = src.getShort() & 0xFFFF;
        int type = src.getShort() & 0xFFFF;
        long sequence = src.getLong();
        long round = src.getLong();
        long block = src.getInt() & 0xFFFFFFFFL;
        long normal = src.getInt() & 0xFFFFFFFFL;
        long zero = src.getInt() & 0xFFFFFFFFL;
        long payload = src.getLong();
        if (magic != Wire.MAGIC_PACKET) {
            throw new WireException(String.format("wrong magic 0x%08x (expected 0x%08x)", magic, Wire.MAGIC_PACKET));
        }
        if (version != Wire.VERSION) {
            throw new WireException(Wire.mismatch("version", version, Wire.VERSION));
        }
        return new PacketHeader(type, sequence, round, block, normal, zero, payload);
    }

    /** Packets come in sequence, and each belongs to the round the receiver is in. */
    public void checkOrder(long expectedSequence, long expectedRound) throws WireException {
        if (sequence != expectedSequence) {
            throw new WireException("sequence number " + Long.toUnsignedString(sequence) + " (expected " + expectedSequence + ")");
        }
        if (round != expectedRound) {
            throw new WireException(Wire.typeName(type) + " for round " + Long.toUnsignedString(round)
                    + " while receiving round " + expectedRound);
        }
    }

    /** SYNC and END carry nothing. */
    public void checkMarker() throws WireException {
        if (block != 0 || normalPages != 0 || zeroPages != 0 || payloadLength != 0) {
            throw new WireException(Wire.typeName(type) + " packet with pages or payload");
        }
    }

    /** A DATA packet names one of the blocks and carries 1..packet-pages pages. */
    public void checkData(int blockCount, int packetPages) throws WireException {
        if (block >= blockCount) {
            throw new WireException("block index " + block + " beyond the " + blockCount + " blocks");
        }
        long count = pageCount();
        if (count == 0 || count > packetPages) {
            throw new WireException("page count " + normalPages + " + " + zeroPages + " outside 1..packet-pages ("
                    + packetPages + ")");
        }
    }

    /**
     * A FREE packet names one of the blocks, carries no page offsets and 1..packet-pages ranges.
     *
     * @return the number of ranges in its payload
     */
    public int checkFree(int blockCount, int packetPages) throws WireException {
        if (block >= blockCount) {
            throw new WireException("block index " + block + " beyond the " + blockCount + " blocks");
        }
        if (normalPages != 0 || zeroPages != 0) {
            throw new WireException("FREE packet with page offsets");
        }
        if (payloadLength <= 0 || payloadLength % FreeRanges.RANGE_BYTES != 0
                || payloadLength / FreeRanges.RANGE_BYTES > packetPages) {
            throw new WireException("FREE payload length " + Long.toUnsignedString(payloadLength) + " is not 1.."
                    + packetPages + " ranges of " + FreeRanges.RANGE_BYTES + " bytes");
        }
        return (int) (payloadLength / FreeRanges.RANGE_BYTES);
    }

    /** Raw pages ({@code none}): the payload is exactly the normal pages. */
    public void checkRawPayload(int pageSize) throws WireException {
        if (payloadLength != normalPages * pageSize) {
            throw new WireException("payload length " + Long.toUnsignedString(payloadLength) + " for " + normalPages
                    + " raw pages (expected " + normalPages * pageSize + ")");
        }
    }

    /**
     * A method's payload: at most {@code limit} (the method's maxPayloadSize for the normal pages) and at most the
     * receiver's buffer, checked before a byte of it is read.
     */
    public void checkPayload(long limit, long bufferSize, String method) throws WireException {
        if (payloadLength < 0 || payloadLength > limit || payloadLength > bufferSize) {
            throw new WireException("payload length " + Long.toUnsignedString(payloadLength) + " exceeds the limit "
                    + limit + " for " + normalPages + " pages of method " + method);
        }
    }
}
