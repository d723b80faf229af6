package io.jmultifd.multifd;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * TEST-ONLY "test-in-place": a method as a third party would write one, found through the SPI like any other, that
 * sends raw pages and declares {@link MethodCapability#RECEIVES_RAW_PAGES_IN_PLACE}. Its receiver counts the pages
 * the engine read in place apart from the pages it decoded itself; it also counts its own instances.
 */
public final class InPlaceMethod implements CompressionMethod {
    public static final String NAME = "test-in-place";
    static final AtomicInteger INSTANCES = new AtomicInteger();

    public InPlaceMethod() {
        INSTANCES.incrementAndGet();
    }

    @Override public String name() { return NAME; }
    @Override public String description() { return "test only: raw pages, received in place"; }
    @Override public Map<String, String> parameterDefaults() { return Map.of(); }
    @Override public Map<String, String> handshakeParameters(MethodParameters parameters) { return Map.of(); }
    @Override public List<TierStatus> tiers() { return List.of(new TierStatus("java", true, "test")); }
    @Override public Set<MethodCapability> capabilities() { return Set.of(MethodCapability.RECEIVES_RAW_PAGES_IN_PLACE); }

    @Override
    public ChannelSender newSender(ChannelContext context) {
        return new ChannelSender() {
            boolean closed;

            @Override
            public long encode(List<MemorySegment> pages, List<MemorySegment> out) {
                if (closed) {
                    throw new IllegalStateException("test-in-place sender is closed");
                }
                out.addAll(pages);
                return (long) pages.size() * context.pageSize();
            }

            @Override public MethodStatistics statistics() { return MethodStatistics.EMPTY; }
            @Override public void close() { closed = true; }
        };
    }

    @Override
    public ChannelReceiver newReceiver(ChannelContext context) {
        int pageSize = context.pageSize();
        return new ChannelReceiver() {
            boolean closed;
            long decoded;
            long inPlace;

            @Override public long maxPayloadSize(int pages) { return (long) pages * pageSize; }

            @Override
            public void decode(MemorySegment payload, List<MemorySegment> targets) throws CorruptPayloadException {
                if (closed) {
                    throw new IllegalStateException("test-in-place receiver is closed");
                }
                if (payload.byteSize() != maxPayloadSize(targets.size())) {
                    throw new CorruptPayloadException(-1, "raw payload of " + payload.byteSize() + " bytes for "
                            + targets.size() + " pages");
                }
                for (int i = 0; i < targets.size(); i++) {
                    targets.get(i).copyFrom(payload.asSlice((long) i * pageSize, pageSize));
                }
                decoded += targets.size();
            }

            @Override
            public void receivedInPlace(List<MemorySegment> targets) {
                inPlace += targets.size();
            }

            @Override
            public MethodStatistics statistics() {
                Map<String, Long> m = new LinkedHashMap<>();
                m.put("pages_decoded", decoded);
                m.put("pages_in_place", inPlace);
                return new MethodStatistics(m);
            }

            @Override public void close() { closed = true; }
        };
    }
}
