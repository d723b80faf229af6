package io.jmultifd.spi;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A multifd compression method, found at run time with {@link java.util.ServiceLoader} by {@link #name()}.
 *
 * <p>Like QEMU's {@code MultiFDMethods}: a small table of per-channel hooks. The method object itself is
 * stateless and shared; everything a channel needs lives in the {@link ChannelSender} or
 * {@link ChannelReceiver} it creates, and is released by their {@code close()}.
 */
public interface CompressionMethod {

    /** The value of {@code multifd-compression} that selects this method, e.g. {@code "qpl"}. */
    String name();

    /** One line for {@code jmultifd methods}. */
    String description();

    /**
     * The parameters this method reads, each with its default (e.g. {@code multifd-zlib-level=1}): its own
     * namespace. Its channels see exactly these in {@link ChannelContext#parameters()}, with the values set for
     * the migration. The engine rejects a {@code --set} of a name that neither it nor any method declares, and
     * two methods (or a method and the engine) declaring the same name is an error naming both.
     */
    Map<String, String> parameterDefaults();

    /**
     * Checks the parameters and returns those the decoder needs, which the handshake carries and the
     * destination compares with its own. Throws {@link IllegalArgumentException} naming the parameter and
     * the bad value.
     */
    Map<String, String> handshakeParameters(MethodParameters parameters);

    /**
     * Throws {@link MethodUnavailableException}, saying why, when this host cannot run the method with these
     * parameters at all (e.g. a pinned tier that is unavailable), so that a command refuses before it listens or
     * connects. Channel setup may still fail for reasons no early check sees. Nothing to check by default.
     */
    default void checkUsable(MethodParameters parameters) {}

    /** The execution tiers of this method and whether each can be used on this host now. */
    List<TierStatus> tiers();

    /** What this method can do beyond encode and decode, for the engine's faster paths; none by default. */
    default Set<MethodCapability> capabilities() {
        return Set.of();
    }

    /** Free-form facts for diagnostics ({@code jmultifd qpl-info}): library path, version, status codes. */
    default Map<String, String> diagnostics() {
        return Map.of();
    }

    /** Creates the send state of one channel (QEMU: {@code send_setup}); {@code close()} is send_cleanup. */
    ChannelSender newSender(ChannelContext context);

    /** Creates the receive state of one channel (QEMU: {@code recv_setup}); {@code close()} is recv_cleanup. */
    ChannelReceiver newReceiver(ChannelContext context);
}
