package io.jmultifd.multifd;

import io.jmultifd.spi.ChannelContext;
import io.jmultifd.spi.ChannelReceiver;
import io.jmultifd.spi.ChannelSender;
import io.jmultifd.spi.CompressionMethod;
import io.jmultifd.spi.MethodParameters;
import io.jmultifd.spi.MethodStatistics;
import io.jmultifd.spi.TierStatus;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * TEST-ONLY method "test-damage": pages travel as copies, with no check of their own, so damage on the way reaches
 * the destination's pages unnoticed by the method. Once a test arms it ({@link Trigger#arm}), the next packet any
 * channel sends has one byte of its first page flipped: damage that only the end-to-end verification can catch, at
 * the moment the test chooses (e.g. after a postcopy switchover).
 */
public final class DamagingMethod implements CompressionMethod {
    public static final String NAME = "test-damage";
    static final String TRIGGER_PARAMETER = "test-damage-trigger";

    /** Armed: the next packet is damaged. {@link #damaged} counts the packets damaged. */
    static final class Trigger {
        private final AtomicInteger armed = new AtomicInteger();
        final AtomicInteger damaged = new AtomicInteger();

        void arm() {
            armed.set(1);
        }
    }

    private static final Map<String, Trigger> TRIGGERS = new ConcurrentHashMap<>();
    private static final AtomicInteger IDS = new AtomicInteger();

    /** A new trigger; {@code parameters} receives the parameters that select this method with it. */
    static Trigger trigger(List<String> parameters) {
        String id = "trigger-" + IDS.incrementAndGet();
        Trigger t = new Trigger();
        TRIGGERS.put(id, t);
        parameters.addAll(List.of("multifd-compression", NAME, TRIGGER_PARAMETER, id));
        return t;
    }

    @Override public String name() { return NAME; }
    @Override public String description() { return "test only: raw copies, one damaged once armed"; }
    @Override public Map<String, String> parameterDefaults() { return Map.of(TRIGGER_PARAMETER, ""); }
    @Override public Map<String, String> handshakeParameters(MethodParameters parameters) { return Map.of(); }
    @Override public List<TierStatus> tiers() { return List.of(new TierStatus("java", true, "test")); }

    @Override
    public ChannelSender newSender(ChannelContext c) {
        Trigger trigger = TRIGGERS.get(c.parameters().get(TRIGGER_PARAMETER, ""));
        int pageSize = c.pageSize();
        return new ChannelSender() {
            final Arena arena = Arena.ofConfined();
            final MemorySegment buf = arena.allocate((long) c.maxPagesPerPacket() * pageSize, 8);

            @Override
            public long encode(List<MemorySegment> pages, List<MemorySegment> out) {
                long pos = 0;
                for (MemorySegment page : pages) {
                    MemorySegment.copy(page, 0, buf, pos, pageSize);
                    pos += pageSize;
                }
                if (trigger != null && trigger.armed.compareAndSet(1, 0)) {
                    buf.set(ValueLayout.JAVA_BYTE, 100, (byte) ~buf.get(ValueLayout.JAVA_BYTE, 100));
                    trigger.damaged.incrementAndGet();
                }
                out.add(buf.asSlice(0, pos));
                return pos;
            }

            @Override public MethodStatistics statistics() { return MethodStatistics.EMPTY; }
            @Override public void close() { arena.close(); }
        };
    }

    @Override
    public ChannelReceiver newReceiver(ChannelContext c) {
        return new PageCopyReceiver(c.pageSize());
    }
}
