package io.jmultifd.multifd;

import io.jmultifd.spi.ChannelContext;
import io.jmultifd.spi.ChannelSender;
import io.jmultifd.spi.MethodStatistics;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * TEST-ONLY "test-stalling": test-xor whose sender blocks for good (until interrupted) in its
 * {@code test-stall-after}-th page: a channel thread that hangs, as on a hung disk.
 */
public final class StallingMethod extends XorMethod {
    public static final String NAME = "test-stalling";

    @Override public String name() { return NAME; }
    @Override public String description() { return "test only: test-xor whose sender hangs"; }
    @Override public Map<String, String> parameterDefaults() { return Map.of(keyParameter(), "90", "test-stall-after", "4"); }
    @Override protected String keyParameter() { return "test-stalling-key"; }

    @Override
    public ChannelSender newSender(ChannelContext c) {
        ChannelSender xor = super.newSender(c);
        int stallAfter = c.parameters().getInt("test-stall-after", 4, 0, Integer.MAX_VALUE);
        return new ChannelSender() {
            int pages;

            @Override
            public long encode(List<MemorySegment> pageList, List<MemorySegment> out) {
                pages += pageList.size();
                if (pages > stallAfter) {
                    try {
                        new CountDownLatch(1).await(); // never counted down: only an interrupt ends it
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("test-stalling sender interrupted");
                    }
                }
                return xor.encode(pageList, out);
            }

            @Override public MethodStatistics statistics() { return xor.statistics(); }
            @Override public void close() { xor.close(); }
        };
    }
}
