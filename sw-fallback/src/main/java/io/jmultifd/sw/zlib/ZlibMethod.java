package io.jmultifd.sw.zlib;

import io.jmultifd.spi.ChannelContext;
import io.jmultifd.spi.ChannelReceiver;
import io.jmultifd.spi.ChannelSender;
import io.jmultifd.spi.CompressionMethod;
import io.jmultifd.spi.MethodParameters;
import io.jmultifd.spi.TierStatus;
import java.util.List;
import java.util.Map;

/**
 * {@code multifd-compression=zlib}, like QEMU's multifd-zlib: the non-zero pages of a packet go into one zlib
 * (RFC 1950) stream. Pure Java ({@link java.util.zip}), so it has a single tier, {@code java}.
 */
public final class ZlibMethod implements CompressionMethod {
    public static final String NAME = "zlib";
    public static final String LEVEL = "multifd-zlib-level";
    /** QEMU's default. */
    public static final int DEFAULT_LEVEL = 1;
    public static final int MIN_LEVEL = 0;
    public static final int MAX_LEVEL = 9;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "one zlib stream per packet (java.util.zip), level " + LEVEL + " " + MIN_LEVEL + ".." + MAX_LEVEL;
    }

    @Override
    public Map<String, String> parameterDefaults() {
        return Map.of(LEVEL, Integer.toString(DEFAULT_LEVEL));
    }

    /**
     * Checks {@code multifd-zlib-level}. Returns nothing: the level is the sender's choice only, a zlib stream
     * says everything its decoder needs, so carrying the level would only make the handshake refuse a
     * harmless difference between the two ends.
     */
    @Override
    public Map<String, String> handshakeParameters(MethodParameters parameters) {
        level(parameters);
        return Map.of();
    }

    static int level(MethodParameters parameters) {
        return parameters.getInt(LEVEL, DEFAULT_LEVEL, MIN_LEVEL, MAX_LEVEL);
    }

    @Override
    public List<TierStatus> tiers() {
        return List.of(new TierStatus("java", true, "java.util.zip Deflater/Inflater, built into the JDK"));
    }

    @Override
    public ChannelSender newSender(ChannelContext context) {
        return new ZlibSender(context, level(context.parameters()));
    }

    @Override
    public ChannelReceiver newReceiver(ChannelContext context) {
        return new ZlibReceiver(context);
    }

    /**
     * The most bytes a zlib stream of {@code sourceBytes} input can take: zlib's conservative
     * {@code deflateBound} (the one it uses for non-default window or memory settings, so it holds for every
     * level and strategy, stored blocks included), plus the 2-byte zlib header and the 4-byte Adler-32.
     */
    public static long deflateBound(long sourceBytes) {
        return sourceBytes + ((sourceBytes + 7) >> 3) + ((sourceBytes + 63) >> 6) + 5 + 6;
    }
}
