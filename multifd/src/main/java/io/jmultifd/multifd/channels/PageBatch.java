package io.jmultifd.multifd.channels;

import io.jmultifd.multifd.wire.Wire;

/**
 * A batch of page offsets of one block, or a SYNC/END marker, handed from the main thread to a channel. Each
 * channel owns two, which travel between its free and work queues, so no batch is allocated per packet.
 */
public final class PageBatch {
    final SendChannel channel;
    final long[] offsets;
    final boolean[] zero;
    final long[] rangePages; // FREE: the page count of the range that starts at offsets[i]
    int type;
    int blockIndex;
    int count;
    long round;

    PageBatch(SendChannel channel, int packetPages) {
        this.channel = channel;
        this.offsets = new long[packetPages];
        this.zero = new boolean[packetPages];
        this.rangePages = new long[packetPages];
    }

    /** Starts a FREE batch: ranges of free pages of {@code block} for {@code round}. */
    public void startFree(int block, long round) {
        this.type = Wire.PACKET_FREE;
        this.blockIndex = block;
        this.round = round;
        this.count = 0;
    }

    /**
     * Adds a range of free pages to a FREE batch.
     *
     * @return whether the batch is full now
     */
    public boolean addFreeRange(long firstOffset, long pages) {
        offsets[count] = firstOffset;
        rangePages[count] = pages;
        return ++count == offsets.length;
    }

    /** Starts a DATA batch of {@code block}'s pages for {@code round}. */
    public void startData(int block, long round) {
        this.type = Wire.PACKET_DATA;
        this.blockIndex = block;
        this.round = round;
        this.count = 0;
    }

    /**
     * Adds a page; {@code zeroByScan} is the main thread's zero check ({@code multifd-zero-page=legacy}).
     *
     * @return whether the batch is full now
     */
    public boolean add(long offset, boolean zeroByScan) {
        offsets[count] = offset;
        zero[count] = zeroByScan;
        return ++count == offsets.length;
    }

    void marker(int type, long round) {
        this.type = type;
        this.round = round;
        this.count = 0;
    }
}
