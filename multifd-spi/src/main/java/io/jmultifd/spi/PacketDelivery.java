package io.jmultifd.spi;

/**
 * How the packets a channel's sender encodes reach a receiver, which decides whether a packet may refer to the
 * packets before it (QEMU's zstd and zlib keep one stream per channel, so a packet's matches may reach back into
 * earlier packets).
 */
public enum PacketDelivery {
    /**
     * Each packet must decode on its own: it may be decoded by another receiver, out of order, or never (a
     * snapshot file, whose pages are restored by any channel in any order). The safe choice, and the default.
     */
    INDEPENDENT,
    /**
     * Every packet the sender encodes reaches the one receiver of the same channel, all of them and in the order
     * encoded (a migration channel: an ordered byte stream). A packet may then refer to earlier packets of its
     * channel, so a receiver's state is only good for that channel's stream: the engine never skips a packet's
     * {@code decode}, and after a failed one the channel is over.
     */
    IN_ORDER
}
