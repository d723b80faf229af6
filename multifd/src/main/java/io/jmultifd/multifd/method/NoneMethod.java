package io.jmultifd.multifd.method;

import io.jmultifd.spi.ChannelContext;
import io.jmultifd.spi.ChannelReceiver;
import io.jmultifd.spi.ChannelSender;
import io.jmultifd.spi.CompressionMethod;
import io.jmultifd.spi.CorruptPayloadException;
import io.jmultifd.spi.MethodCapability;
import io.jmultifd.spi.MethodParameters;
import io.jmultifd.spi.MethodStatistics;
import io.jmultifd.spi.TierStatus;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code multifd-compression=none}: pages travel raw. The sender hands the guest pages themselves to the
 * gathering write (no copy); the method declares {@link MethodCapability#RECEIVES_RAW_PAGES_IN_PLACE}, so the
 * engine scatter-reads straight into the destination pages and {@link Receiver#decode} only runs when someone
 * drives the receiver directly.
 */
public final class NoneMethod implements CompressionMethod {
    public static final String NAME = "none";

    @Override public String name() { return NAME; }
    @Override public String description() { return "raw pages, no compression (built in)"; }
    @Override public Map<String, String> parameterDefaults() { return Map.of(); }
    @Override public Map<String, String> handshakeParameters(MethodParameters parameters) { return Map.of(); }
    @Override public List<TierStatus> tiers() { return List.of(new TierStatus("java", true, "built in")); }
    @Override public Set<MethodCapability> capabilities() { return Set.of(MethodCapability.RECEIVES_RAW_PAGES_IN_PLACE); }

    @Override
    public ChannelSender newSender(ChannelContext context) {
        return new Sender(context.pageSize());
    }

    @Override
    public ChannelReceiver newReceiver(ChannelContext context) {
        return new Receiver(context.pageSize());
    }

    private static void requireOpen(boolean closed, String what) {
        if (closed) {
            throw new IllegalStateException("none " + what + " is closed");
        }
    }

    static final class Sender implements ChannelSender {
        private final int pageSize;
        private long pages;
        private boolean closed;

        Sender(int pageSize) { this.pageSize = pageSize; }

        @Override
        public long encode(List<MemorySegment> pageList, List<MemorySegment> out) {
            requireOpen(closed, "sender");
            out.addAll(pageList);
            pages += pageList.size();
            return (long) pageList.size() * pageSize;
        }

        @Override public MethodStatistics statistics() { return new MethodStatistics(Map.of("pages_raw", pages)); }
        @Override public void close() { closed = true; }
    }

    static final class Receiver implements ChannelReceiver {
        private final int pageSize;
        private long pages;
        private boolean closed;

        Receiver(int pageSize) { this.pageSize = pageSize; }

        @Override public long maxPayloadSize(int pageCount) { return (long) pageCount * pageSize; }

        @Override
        public void decode(MemorySegment payload, List<MemorySegment> targets) throws CorruptPayloadException {
            requireOpen(closed, "receiver");
            long want = (long) targets.size() * pageSize;
            if (payload.byteSize() != want) {
                throw new CorruptPayloadException(-1, "raw payload of " + payload.byteSize() + " bytes for "
                        + targets.size() + " pages (expected " + want + ")");
            }
            for (int i = 0; i < targets.size(); i++) {
                MemorySegment.copy(payload, (long) i * pageSize, targets.get(i), 0, pageSize);
            }
            pages += targets.size();
        }

        /** The engine's scatter-read path counts its pages here. */
        @Override public void receivedInPlace(List<MemorySegment> targets) { pages += targets.size(); }

        @Override public MethodStatistics statistics() { return new MethodStatistics(Map.of("pages_raw", pages)); }
        @Override public void close() { closed = true; }
    }
}
