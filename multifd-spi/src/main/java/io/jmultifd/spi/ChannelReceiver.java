package io.jmultifd.spi;

import java.lang.foreign.MemorySegment;
import java.util.List;

/** Per-channel decompression state on the destination (QEMU: {@code recv}). Used by one thread. */
public interface ChannelReceiver extends AutoCloseable {

    /**
     * The largest payload that {@code pages} pages can legally produce. The engine rejects a packet whose
     * declared payload length exceeds it before reading or allocating anything.
     */
    long maxPayloadSize(int pages);

    /**
     * Decodes one packet's payload straight into the destination pages.
     *
     * @param payload exactly the payload bytes of the packet
     * @param targets the destination pages, each {@code pageSize} bytes, in the order the sender was given them
     * @throws CorruptPayloadException when the payload does not decode to exactly those pages; the
     *         implementation never writes outside {@code targets}
     */
    void decode(MemorySegment payload, List<MemorySegment> targets) throws CorruptPayloadException;

    /**
     * For a method that declares {@link MethodCapability#RECEIVES_RAW_PAGES_IN_PLACE}: the engine has read one
     * packet's raw pages straight into {@code targets}, in place of a {@link #decode}; e.g. to count them. Never
     * called for other methods.
     */
    default void receivedInPlace(List<MemorySegment> targets) {
    }

    /** Counters of this channel so far; summed over channels by the engine. */
    MethodStatistics statistics();

    @Override
    void close();
}
