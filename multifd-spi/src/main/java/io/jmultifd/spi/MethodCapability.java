package io.jmultifd.spi;

/**
 * Something a method can do beyond {@link ChannelSender#encode} and {@link ChannelReceiver#decode}, declared in
 * {@link CompressionMethod#capabilities()} so that the engine takes a faster path for it. The engine decides by
 * these declarations alone, never by a method's class, so a third party's method gets the same paths as the
 * built-in ones.
 */
public enum MethodCapability {
    /**
     * The payload of a packet of {@code n} pages is always exactly those pages, raw and in order
     * ({@code n * pageSize} bytes). The destination engine then reads the payload straight into the destination
     * pages (one scattering read, no payload buffer) and calls {@link ChannelReceiver#receivedInPlace} instead of
     * {@link ChannelReceiver#decode}; it refuses a packet whose payload length is not {@code n * pageSize}.
     * The built-in {@code none} method declares it.
     */
    RECEIVES_RAW_PAGES_IN_PLACE
}
