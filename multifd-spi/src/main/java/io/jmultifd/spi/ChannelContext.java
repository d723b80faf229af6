package io.jmultifd.spi;

import java.util.Objects;

/**
 * What a method needs to know about the channel it serves.
 *
 * @param channelId         0-based data channel number, for log lines and statistics
 * @param pageSize          bytes per page, a power of two (4096 by default)
 * @param maxPagesPerPacket the most pages one packet carries; buffers may be sized from it once
 * @param parameters        the method's own parameters, those it declares in {@link CompressionMethod#parameterDefaults},
 *                          with the values set for the migration (already validated by
 *                          {@link CompressionMethod#handshakeParameters})
 * @param delivery          whether a packet may refer to earlier packets of the channel ({@link PacketDelivery})
 */
public record ChannelContext(int channelId, int pageSize, int maxPagesPerPacket, MethodParameters parameters,
                             PacketDelivery delivery) {
    /** A channel whose packets must each decode on its own ({@link PacketDelivery#INDEPENDENT}). */
    public ChannelContext(int channelId, int pageSize, int maxPagesPerPacket, MethodParameters parameters) {
        this(channelId, pageSize, maxPagesPerPacket, parameters, PacketDelivery.INDEPENDENT);
    }

    public ChannelContext {
        Objects.requireNonNull(delivery, "delivery");
        if (pageSize <= 0 || Integer.bitCount(pageSize) != 1) {
            throw new IllegalArgumentException("page size must be a power of two, got " + pageSize);
        }
        if (maxPagesPerPacket <= 0) {
            throw new IllegalArgumentException("maxPagesPerPacket must be positive, got " + maxPagesPerPacket);
        }
    }
}
