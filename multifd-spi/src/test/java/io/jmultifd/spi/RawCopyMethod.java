package io.jmultifd.spi;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * TEST-ONLY "test-raw-copy": the smallest method a third party could write, pages sent raw and received in place.
 * The contract kit's own test runs on it.
 */
public class RawCopyMethod implements CompressionMethod {
    @Override public String name() { return "test-raw-copy"; }
    @Override public String description() { return "test only: raw pages"; }
    @Override public Map<String, String> parameterDefaults() { return Map.of(); }
    @Override public Map<String, String> handshakeParameters(MethodParameters parameters) { return Map.of(); }
    @Override public List<TierStatus> tiers() { return List.of(new TierStatus("java", true, "test")); }
    @Override public Set<MethodCapability> capabilities() { return Set.of(MethodCapability.RECEIVES_RAW_PAGES_IN_PLACE); }

    @Override
    public ChannelSender newSender(ChannelContext context) {
        return new ChannelSender() {
            private boolean closed;

            @Override
            public long encode(List<MemorySegment> pages, List<MemorySegment> out) {
                if (closed) {
                    throw new IllegalStateException("closed");
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
        return new ChannelReceiver() {
            private boolean closed;
            private long pages;

            @Override public long maxPayloadSize(int n) { return (long) n * context.pageSize(); }

            @Override
            public void decode(MemorySegment payload, List<MemorySegment> targets) throws CorruptPayloadException {
                if (closed) {
                    throw new IllegalStateException("closed");
                }
                if (payload.byteSize() != maxPayloadSize(targets.size())) {
                    throw new CorruptPayloadException(-1, payload.byteSize() + " bytes for " + targets.size()
                            + " pages");
                }
                for (int i = 0; i < targets.size(); i++) {
                    targets.get(i).copyFrom(payload.asSlice((long) i * context.pageSize(), context.pageSize()));
                }
                pages += targets.size();
            }

            @Override public void receivedInPlace(List<MemorySegment> targets) { pages += targets.size(); }
            @Override public MethodStatistics statistics() { return new MethodStatistics(Map.of("pages", pages)); }
            @Override public void close() { closed = true; }
        };
    }
}
