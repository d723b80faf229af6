package io.jmultifd.multifd;

import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.RamBlock;
import io.jmultifd.multifd.guest.Workload;
import io.jmultifd.spi.ChannelContext;
import io.jmultifd.spi.ChannelReceiver;
import io.jmultifd.spi.ChannelSender;
import io.jmultifd.spi.CompressionMethod;
import io.jmultifd.spi.MethodParameters;
import io.jmultifd.spi.MethodStatistics;
import io.jmultifd.spi.TierStatus;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * TEST-ONLY method "test-redirty": pages travel raw, and the sender writes each page it has just sent back to
 * the guest through the guest write API, with the same bytes, as long as the workload registered with it is not
 * throttled. That is a guest that dirties every page as fast as it is sent, whatever the bandwidth and however
 * the threads are scheduled: a migration of it converges only once the workload is throttled. The content never
 * changes, so the checksums of both ends still match.
 */
public final class RedirtyingMethod implements CompressionMethod {
    public static final String NAME = "test-redirty";
    static final String GUEST_PARAMETER = "test-redirty-guest";

    private record Target(GuestMemory guest, Workload workload) {}

    private static final Map<String, Target> TARGETS = new ConcurrentHashMap<>();
    private static final AtomicInteger IDS = new AtomicInteger();

    /**
     * Registers {@code guest}, returning the parameters that select this method for it. Its pages are dirtied
     * again as they are sent while {@code workload.throttle()} is 0.
     */
    static String[] parametersFor(GuestMemory guest, Workload workload) {
        String id = "guest-" + IDS.incrementAndGet();
        TARGETS.put(id, new Target(guest, workload));
        return new String[] {"multifd-compression", NAME, GUEST_PARAMETER, id};
    }

    @Override public String name() { return NAME; }
    @Override public String description() { return "test only: raw pages, each written back to the guest once sent"; }
    @Override public Map<String, String> parameterDefaults() { return Map.of(GUEST_PARAMETER, ""); }
    @Override public Map<String, String> handshakeParameters(MethodParameters parameters) { return Map.of(); }
    @Override public List<TierStatus> tiers() { return List.of(new TierStatus("java", true, "test")); }

    @Override
    public ChannelSender newSender(ChannelContext context) {
        Target target = TARGETS.get(context.parameters().get(GUEST_PARAMETER, ""));
        int pageSize = context.pageSize();
        return new ChannelSender() {
            final Arena arena = Arena.ofConfined();
            final MemorySegment copy = arena.allocate(pageSize, 8);
            long redirtied;

            @Override
            public long encode(List<MemorySegment> pages, List<MemorySegment> out) {
                out.addAll(pages);
                if (target != null && target.workload().throttle() == 0) {
                    for (MemorySegment page : pages) {
                        rewrite(page);
                    }
                }
                return (long) pages.size() * pageSize;
            }

            /** The guest writes the page's own bytes back: dirty again, content unchanged. */
            private void rewrite(MemorySegment page) {
                for (RamBlock block : target.guest().blocks()) {
                    long offset = page.address() - block.memory().address();
                    if (offset >= 0 && offset < block.size()) {
                        MemorySegment.copy(page, 0, copy, 0, pageSize);
                        block.write(offset, copy);
                        redirtied++;
                        return;
                    }
                }
                throw new IllegalStateException("a page outside the registered guest");
            }

            @Override public MethodStatistics statistics() { return new MethodStatistics(Map.of("pages_redirtied", redirtied)); }
            @Override public void close() { arena.close(); }
        };
    }

    @Override
    public ChannelReceiver newReceiver(ChannelContext context) {
        return new PageCopyReceiver(context.pageSize());
    }
}
