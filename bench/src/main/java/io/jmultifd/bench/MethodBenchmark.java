package io.jmultifd.bench;

import io.jmultifd.spi.ChannelContext;
import io.jmultifd.spi.ChannelReceiver;
import io.jmultifd.spi.ChannelSender;
import io.jmultifd.spi.CompressionMethod;
import io.jmultifd.spi.CorruptPayloadException;
import io.jmultifd.spi.MethodParameters;
import io.jmultifd.spi.PacketDelivery;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Per-page compress and decompress of every method through the SPI, exactly as one engine channel calls it:
 * {@link BenchPages#PAGES} non-zero guest pages in packets of 128, {@code encode} on the source,
 * {@code decode} straight into destination pages. One operation = one page, so the score is pages/s;
 * bytes/s = pages/s x 4096 (the harness derives it). The channels deliver packets in order, as a migration's
 * do, so a method may keep one stream per channel ({@code zstd}); a decode pass then starts with a fresh
 * receiver each time (made outside the timing), as the payloads are one stream from its start.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class MethodBenchmark {
    @Param({"none", "zlib", "zstd", "qpl-software", "qpl-java"})
    public String method;

    private BenchPages pages;
    private MethodVariant variant;
    private List<List<MemorySegment>> packets;
    private ChannelSender sender;
    private ChannelReceiver receiver;
    private final List<MemorySegment> out = new ArrayList<>();
    private Arena arena;
    private List<MemorySegment> payloads;
    private List<List<MemorySegment>> targets;

    @Setup(Level.Trial)
    public void setUp() throws CorruptPayloadException {
        pages = BenchPages.load();
        packets = pages.packets();
        variant = MethodVariant.of(method);
        CompressionMethod m = variant.find();
        ChannelContext context = context(variant);
        sender = m.newSender(context);
        receiver = m.newReceiver(context);
        arena = Arena.ofConfined();
        payloads = encodeAll(sender, packets, arena);
        MemorySegment destination = arena.allocate((long) BenchPages.PAGES * BenchPages.PAGE, BenchPages.PAGE);
        targets = new ArrayList<>();
        int first = 0;
        for (List<MemorySegment> packet : packets) {
            List<MemorySegment> t = new ArrayList<>();
            for (int i = 0; i < packet.size(); i++) {
                t.add(destination.asSlice((long) (first + i) * BenchPages.PAGE, BenchPages.PAGE));
            }
            targets.add(List.copyOf(t));
            first += packet.size();
        }
        // A benchmark of a wrong decoder is worthless: check one full round trip before timing anything.
        for (int p = 0; p < packets.size(); p++) receiver.decode(payloads.get(p), targets.get(p));
        if (destination.mismatch(pages.selection()) != -1) {
            throw new IllegalStateException(method + ": decode(encode(pages)) differs from the pages at byte "
                    + destination.mismatch(pages.selection()));
        }
    }

    static ChannelContext context(MethodVariant variant) {
        Map<String, String> parameters = variant.migrationParameters(1);
        return new ChannelContext(0, BenchPages.PAGE, BenchPages.PACKET_PAGES, new MethodParameters(parameters),
                PacketDelivery.IN_ORDER);
    }

    /** Encodes every packet and copies each payload into one segment of {@code arena}. */
    static List<MemorySegment> encodeAll(ChannelSender sender, List<List<MemorySegment>> packets, Arena arena) {
        List<MemorySegment> result = new ArrayList<>();
        List<MemorySegment> segments = new ArrayList<>();
        for (List<MemorySegment> packet : packets) {
            segments.clear();
            long length = sender.encode(packet, segments);
            MemorySegment payload = arena.allocate(Math.max(1, length));
            long at = 0;
            for (MemorySegment s : segments) {
                MemorySegment.copy(s, 0, payload, at, s.byteSize());
                at += s.byteSize();
            }
            if (at != length) {
                throw new IllegalStateException("encode returned " + length + " but its segments hold " + at + " bytes");
            }
            result.add(payload.asSlice(0, length));
        }
        return result;
    }

    /** Bytes in / payload bytes out of one encode pass over the benchmark pages (the packet payload as sent). */
    public static double compressionRatio(String variantLabel, BenchPages pages) {
        MethodVariant variant = MethodVariant.of(variantLabel);
        try (ChannelSender s = variant.find().newSender(context(variant)); Arena arena = Arena.ofConfined()) {
            long total = 0;
            for (MemorySegment p : encodeAll(s, pages.packets(), arena)) total += p.byteSize();
            return (double) BenchPages.PAGES * BenchPages.PAGE / total;
        }
    }

    @Benchmark
    @OperationsPerInvocation(BenchPages.PAGES)
    public void compress(Blackhole bh) {
        for (List<MemorySegment> packet : packets) {
            out.clear();
            bh.consume(sender.encode(packet, out));
        }
    }

    /** The payloads are one channel's stream from its start: each decode pass needs a receiver at that start. */
    @Setup(Level.Invocation)
    public void freshReceiver() {
        receiver.close();
        receiver = variant.find().newReceiver(context(variant));
    }

    @Benchmark
    @OperationsPerInvocation(BenchPages.PAGES)
    public void decompress() throws CorruptPayloadException {
        for (int p = 0; p < payloads.size(); p++) receiver.decode(payloads.get(p), targets.get(p));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (sender != null) sender.close();
        if (receiver != null) receiver.close();
        if (arena != null) arena.close();
        if (pages != null) pages.close();
    }
}
