package io.jmultifd.bench;

import io.jmultifd.spi.CorruptPayloadException;
import io.jmultifd.spi.PageCodec;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
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

/**
 * The same work as shared/reference/qpl_page_bench.c, so that Java/C is a meaningful ratio: every non-zero
 * page compressed on its own (level 1, fixed Huffman, output capped at page size - 1, so a page that does not
 * shrink is "raw"), then every compressed (non-raw) page decompressed and checked.
 *
 * <p>compress: one operation = one page of the {@link BenchPages#PAGES} (score = pages/s, as the C
 * {@code compress_pages_per_s}). decompress: the C reference counts only the non-raw pages it inflates; since
 * {@code @OperationsPerInvocation} must be a constant, the score counts all {@link BenchPages#PAGES} and the
 * harness scales it by (non-raw / all) before comparing with C's {@code decompress_pages_per_s}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class PageCodecBenchmark {
    @Param({"software", "java"})
    public String tier;

    private BenchPages pages;
    private PageCodec codec;
    private Arena arena;
    private List<List<MemorySegment>> packets;
    private List<List<MemorySegment>> slots;
    private int[] lengths;
    private List<List<MemorySegment>> streams;
    private List<List<MemorySegment>> targets;

    /** What one compress pass over the pages produced: the numbers C prints as nonzero, raw and ratio. */
    public record Outcome(int pages, int raw, long compressedBytes) {
        public double ratio() {
            return (double) pages * BenchPages.PAGE / compressedBytes;
        }
    }

    @Setup(Level.Trial)
    public void setUp() throws CorruptPayloadException {
        pages = BenchPages.load();
        codec = PageCodecs.open(tier);
        arena = Arena.ofConfined();
        packets = pages.packets();
        slots = new ArrayList<>();
        MemorySegment out = arena.allocate((long) BenchPages.PAGES * BenchPages.PAGE, BenchPages.PAGE);
        int first = 0;
        for (List<MemorySegment> packet : packets) {
            List<MemorySegment> s = new ArrayList<>();
            for (int i = 0; i < packet.size(); i++) {
                s.add(out.asSlice((long) (first + i) * BenchPages.PAGE, BenchPages.PAGE - 1));
            }
            slots.add(List.copyOf(s));
            first += packet.size();
        }
        lengths = new int[BenchPages.PACKET_PAGES];
        // Compress once to know which pages are streams, as C's decompress loop skips raw pages.
        MemorySegment back = arena.allocate((long) BenchPages.PAGES * BenchPages.PAGE, BenchPages.PAGE);
        streams = new ArrayList<>();
        targets = new ArrayList<>();
        first = 0;
        for (int p = 0; p < packets.size(); p++) {
            List<MemorySegment> packet = packets.get(p);
            codec.compress(packet, slots.get(p), lengths);
            List<MemorySegment> st = new ArrayList<>();
            List<MemorySegment> tg = new ArrayList<>();
            for (int i = 0; i < packet.size(); i++) {
                if (lengths[i] < BenchPages.PAGE) {
                    st.add(slots.get(p).get(i).asSlice(0, lengths[i]));
                    tg.add(back.asSlice((long) (first + i) * BenchPages.PAGE, BenchPages.PAGE));
                }
            }
            streams.add(List.copyOf(st));
            targets.add(List.copyOf(tg));
            first += packet.size();
        }
        decompress();
        for (int p = 0; p < targets.size(); p++) {
            for (MemorySegment t : targets.get(p)) {
                long at = t.address() - back.address();
                if (t.mismatch(pages.selection().asSlice(at, BenchPages.PAGE)) != -1) {
                    throw new IllegalStateException(tier + ": round trip differs at page " + at / BenchPages.PAGE);
                }
            }
        }
    }

    /** One compress pass over the benchmark pages with a fresh codec of this tier. */
    public static Outcome measureOutcome(String tier, BenchPages pages) {
        try (PageCodec c = PageCodecs.open(tier); Arena a = Arena.ofConfined()) {
            int[] len = new int[BenchPages.PACKET_PAGES];
            int raw = 0;
            long bytes = 0;
            for (List<MemorySegment> packet : pages.packets()) {
                List<MemorySegment> s = new ArrayList<>();
                for (int i = 0; i < packet.size(); i++) s.add(a.allocate(BenchPages.PAGE - 1));
                c.compress(packet, s, len);
                for (int i = 0; i < packet.size(); i++) {
                    bytes += len[i];
                    if (len[i] == BenchPages.PAGE) raw++;
                }
            }
            return new Outcome(BenchPages.PAGES, raw, bytes);
        }
    }

    @Benchmark
    @OperationsPerInvocation(BenchPages.PAGES)
    public int[] compress() {
        for (int p = 0; p < packets.size(); p++) codec.compress(packets.get(p), slots.get(p), lengths);
        return lengths;
    }

    @Benchmark
    @OperationsPerInvocation(BenchPages.PAGES)
    public void decompress() throws CorruptPayloadException {
        for (int p = 0; p < streams.size(); p++) codec.decompress(streams.get(p), targets.get(p));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (codec != null) codec.close();
        if (arena != null) arena.close();
        if (pages != null) pages.close();
    }
}
