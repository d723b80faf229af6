package io.jmultifd.sw.zstd;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.util.Native;
import com.github.luben.zstd.util.ZstdVersion;
import io.jmultifd.spi.ChannelContext;
import io.jmultifd.spi.ChannelReceiver;
import io.jmultifd.spi.ChannelSender;
import io.jmultifd.spi.CompressionMethod;
import io.jmultifd.spi.MethodParameters;
import io.jmultifd.spi.MethodUnavailableException;
import io.jmultifd.spi.PacketDelivery;
import io.jmultifd.spi.TierStatus;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code multifd-compression=zstd}, like QEMU's multifd-zstd, through zstd-jni's bundled native libzstd (tier
 * {@code native}). {@code zstd-stream=channel} (the default) keeps one zstd stream per channel, flushed at the end of
 * every packet, as QEMU does ({@link ZstdChannelSender}); {@code zstd-stream=packet} makes one frame per packet
 * ({@link ZstdSender}), what jmultifd sent before the parameter existed. Where packets must decode on their own
 * ({@link PacketDelivery#INDEPENDENT}: a snapshot file's pages) it is always a frame per packet, whatever the
 * parameter says. The two formats differ on the wire, so {@code channel} travels in the handshake and a peer that
 * does not say the same is refused; {@code packet} travels as nothing, as before, so that it still works with a
 * peer from before the parameter.
 *
 * <p>{@code multifd-zstd-level} takes QEMU's range 0..20, default 1. libzstd itself accepts
 * {@link Zstd#minCompressionLevel()} (negative "fast" levels) to {@link Zstd#maxCompressionLevel()} (22); QEMU
 * exposes neither the negative levels nor 21-22 (which need large windows), and neither do we, so every
 * value QEMU accepts is accepted here and nothing else. Level 0 is libzstd's default level, not "store".
 */
public final class ZstdMethod implements CompressionMethod {
    public static final String NAME = "zstd";
    public static final String LEVEL = "multifd-zstd-level";
    public static final int DEFAULT_LEVEL = 1;
    public static final int MIN_LEVEL = 0;
    public static final int MAX_LEVEL = 20;
    public static final String STREAM = "zstd-stream";
    public static final String STREAM_CHANNEL = "channel";
    public static final String STREAM_PACKET = "packet";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "one zstd stream per channel, flushed per packet (zstd-jni " + ZstdVersion.VERSION + "), level "
                + LEVEL + " " + MIN_LEVEL + ".." + MAX_LEVEL + ", " + STREAM + "=" + STREAM_PACKET
                + " for a frame per packet";
    }

    @Override
    public Map<String, String> parameterDefaults() {
        Map<String, String> defaults = new LinkedHashMap<>(); // in this order in `jmultifd methods`
        defaults.put(LEVEL, Integer.toString(DEFAULT_LEVEL));
        defaults.put(STREAM, STREAM_CHANNEL);
        return defaults;
    }

    /**
     * Checks {@code multifd-zstd-level} and {@code zstd-stream}. The level is the sender's choice only (a zstd frame
     * tells its decoder everything), so it never travels. {@code zstd-stream=channel} does: the receiver must expect
     * one stream, and a peer that sends a frame per packet, or one from before the parameter, must be refused at the
     * handshake rather than fail on the first packet. {@code packet} travels as nothing, as before.
     */
    @Override
    public Map<String, String> handshakeParameters(MethodParameters parameters) {
        level(parameters);
        return channelStream(parameters) ? Map.of(STREAM, STREAM_CHANNEL) : Map.of();
    }

    static int level(MethodParameters parameters) {
        return parameters.getInt(LEVEL, DEFAULT_LEVEL, MIN_LEVEL, MAX_LEVEL);
    }

    static boolean channelStream(MethodParameters parameters) {
        return parameters.getChoice(STREAM, STREAM_CHANNEL, Set.of(STREAM_CHANNEL, STREAM_PACKET))
                .equals(STREAM_CHANNEL);
    }

    /** One stream per channel where it was asked for and the channel delivers every packet in order. */
    private static boolean channelStream(ChannelContext context) {
        return channelStream(context.parameters()) && context.delivery() == PacketDelivery.IN_ORDER;
    }

    @Override
    public List<TierStatus> tiers() {
        String failure = nativeLoadFailure();
        return List.of(failure == null
                ? new TierStatus("native", true, "zstd-jni " + ZstdVersion.VERSION + ", native libzstd loaded")
                : new TierStatus("native", false, "zstd-jni " + ZstdVersion.VERSION + ": " + failure));
    }

    @Override
    public Map<String, String> diagnostics() {
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put("zstd-jni", ZstdVersion.VERSION);
        String failure = nativeLoadFailure();
        facts.put("native", failure == null ? "loaded" : failure);
        if (failure == null) {
            facts.put("levels", Zstd.minCompressionLevel() + ".." + Zstd.maxCompressionLevel()
                    + " (libzstd), " + MIN_LEVEL + ".." + MAX_LEVEL + " accepted");
        }
        return facts;
    }

    @Override
    public ChannelSender newSender(ChannelContext context) {
        int level = level(context.parameters());
        boolean stream = channelStream(context);
        requireNative();
        return stream ? new ZstdChannelSender(context, level) : new ZstdSender(context, level);
    }

    @Override
    public ChannelReceiver newReceiver(ChannelContext context) {
        boolean stream = channelStream(context);
        requireNative();
        return stream ? new ZstdChannelReceiver(context) : new ZstdReceiver(context);
    }

    private static void requireNative() {
        String failure = nativeLoadFailure();
        if (failure != null) {
            throw new MethodUnavailableException("multifd-compression=zstd: " + failure);
        }
    }

    /** Null when libzstd is loaded, else why not (zstd-jni loads it once per JVM and remembers). */
    static String nativeLoadFailure() {
        try {
            Native.load();
            return null;
        } catch (LinkageError | RuntimeException e) {
            return "native libzstd cannot be loaded: " + e;
        }
    }
}
