package io.jmultifd.bench;

import io.jmultifd.spi.ChannelContext;
import io.jmultifd.spi.ChannelReceiver;
import io.jmultifd.spi.ChannelSender;
import io.jmultifd.spi.CompressionMethod;
import io.jmultifd.spi.CorruptPayloadException;
import io.jmultifd.spi.MethodParameters;
import io.jmultifd.spi.MethodStatistics;
import io.jmultifd.spi.TierStatus;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Map;

/**
 * A fault-injecting method for the harness test: pages travel raw, but the receiver flips one bit of the
 * first page of every packet, so the migration ends with differing checksums, the breakage the smoke test
 * must catch.
 */
public final class LossyTestMethod implements CompressionMethod {
    static final String NAME = "bench-test-lossy";

    @Override public String name() { return NAME; }
    @Override public String description() { return "test only: raw pages, one bit flipped per packet on receipt"; }
    @Override public Map<String, String> parameterDefaults() { return Map.of(); }
    @Override public Map<String, String> handshakeParameters(MethodParameters parameters) { return Map.of(); }
    @Override public List<TierStatus> tiers() { return List.of(new TierStatus("java", true, "test")); }

    @Override
    public ChannelSender newSender(ChannelContext context) {
        int pageSize = context.pageSize();
        return new ChannelSender() {
            @Override
            public long encode(List<MemorySegment> pages, List<MemorySegment> out) {
                out.addAll(pages);
                return (long) pages.size() * pageSize;
            }

            @Override public MethodStatistics statistics() { return MethodStatistics.EMPTY; }
            @Override public void close() { }
        };
    }

    @Override
    public ChannelReceiver newReceiver(ChannelContext context) {
        int pageSize = context.pageSize();
        return new ChannelReceiver() {
            @Override public long maxPayloadSize(int pages) { return (long) pages * pageSize; }

            @Override
            public void decode(MemorySegment payload, List<MemorySegment> targets) throws CorruptPayloadException {
                if (payload.byteSize() != (long) targets.size() * pageSize) {
                    throw new CorruptPayloadException(-1, "payload of " + payload.byteSize() + " bytes");
                }
                for (int i = 0; i < targets.size(); i++) {
                    MemorySegment.copy(payload, (long) i * pageSize, targets.get(i), 0, pageSize);
                }
                MemorySegment first = targets.getFirst();
                first.set(ValueLayout.JAVA_BYTE, 0, (byte) (first.get(ValueLayout.JAVA_BYTE, 0) ^ 1));
            }

            @Override public MethodStatistics statistics() { return MethodStatistics.EMPTY; }
            @Override public void close() { }
        };
    }
}
