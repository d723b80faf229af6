package io.jmultifd.spi;

import java.lang.foreign.MemorySegment;
import java.util.List;

/** Per-channel compression state on the source (QEMU: {@code send_prepare}). Used by one thread. */
public interface ChannelSender extends AutoCloseable {

    /**
     * Encodes the non-zero pages of one packet.
     *
     * @param pages the pages, each a {@code pageSize} view of guest memory; the guest may still be writing
     *              to them (dirty tracking resends such pages), so an encoder must never fail or read
     *              outside a page because its content changed underneath
     * @param out   receives the payload in wire order as segments for one gathering write: views of the
     *              method's own buffers, or the guest pages themselves when sent raw (no copy). They must
     *              stay valid and unchanged until the next {@code encode} or {@code close}
     * @return the payload length in bytes (the sum of the segments' sizes)
     */
    long encode(List<MemorySegment> pages, List<MemorySegment> out);

    /** Counters of this channel so far, e.g. {@code pages_software}; summed over channels by the engine. */
    MethodStatistics statistics();

    @Override
    void close();
}
