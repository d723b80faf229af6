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
import io.jmultifd.spi.TierStatus;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code multifd-compression=zstd}, like QEMU's multifd-zstd: the non-zero pages of a packet go into one zstd
 * frame, through zstd-jni's bundled native libzstd (tier {@code native}).
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

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "one zstd frame per packet (zstd-jni " + ZstdVersion.VERSION + "), level " + LEVEL + " "
                + MIN_LEVEL + ".." + MAX_LEVEL;
    }

    @Override
    public Map<String, String> parameterDefaults() {
        return Map.of(LEVEL, Integer.toString(DEFAULT_LEVEL));
    }

    /**
     * Checks {@code multifd-zstd-level}. Returns nothing: the level is the sender's choice only and a zstd
     * frame carries everything its decoder needs, so the level must not make the handshake refuse anything.
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
        requireNative();
        return new ZstdSender(context, level);
    }

    @Override
    public ChannelReceiver newReceiver(ChannelContext context) {
        requireNative();
        return new ZstdReceiver(context);
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
