package io.jmultifd.accel.qpl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jmultifd.qpl.jobs.Pages;
import io.jmultifd.qpl.jobs.QplCalls;
import io.jmultifd.qpl.testing.RequiresLibqpl;
import io.jmultifd.spi.ChannelContext;
import io.jmultifd.spi.ChannelReceiver;
import io.jmultifd.spi.ChannelSender;
import io.jmultifd.spi.MethodParameters;
import io.jmultifd.spi.contract.TestPages;
import io.jmultifd.sw.EdgePages;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** One tier compresses, another inflates: every page must come back byte for byte. */
@RequiresLibqpl
class CrossTierTest {

    static Stream<Arguments> pairs() {
        List<Arguments> a = new ArrayList<>();
        String[][] pairs = {{"software", "java"}, {"java", "software"}, {"hardware", "java"},
                {"java", "hardware"}, {"software", "hardware"}, {"hardware", "software"}};
        for (String[] pair : pairs) {
            for (String huffman : List.of("fixed", "dynamic")) {
                a.add(Arguments.of(pair[0], pair[1], huffman));
            }
        }
        return a.stream();
    }

    @ParameterizedTest(name = "{0} -> {1}, {2} Huffman")
    @MethodSource("pairs")
    void pagesSurviveTheTierChange(String from, String to, String huffman) throws Exception {
        QplMethod method = Fixtures.hardwareOnSoftwareJobs(QplCalls::bindings);
        ChannelContext sendContext = Fixtures.context("qpl-path", from, "qpl-huffman", huffman);
        ChannelContext receiveContext = Fixtures.context("qpl-path", to, "qpl-huffman", huffman);
        try (Arena arena = Arena.ofConfined();
             ChannelSender sender = method.newSender(sendContext);
             ChannelReceiver receiver = method.newReceiver(receiveContext)) {
            assertEquals(from, ((PerPageSender) sender).tier());
            assertEquals(to, ((PerPageReceiver) receiver).tier());
            Pages pages = new Pages(arena, 23);
            for (int packet = 0; packet < 4; packet++) {
                List<MemorySegment> in = new ArrayList<>(pages.mixed());
                MemorySegment text = pages.text();
                in.add(text);
                in.add(pages.oneByteOff(text));
                List<MemorySegment> out = new ArrayList<>();
                sender.encode(in, out);
                List<MemorySegment> targets = pages.targets(in.size());
                receiver.decode(Fixtures.concat(arena, out), targets);
                for (int i = 0; i < in.size(); i++) {
                    assertEquals(-1, targets.get(i).mismatch(in.get(i)), "packet " + packet + " page " + i);
                }
            }
            assertEquals(40, sender.statistics().get("pages_" + from));
            assertEquals(32, receiver.statistics().get("pages_" + to));
        }
    }

    static Stream<Arguments> javaFixedToQpl() {
        List<Arguments> a = new ArrayList<>();
        for (String to : List.of("software", "hardware")) {
            for (int pageSize : new int[] {512, 1024, 2048, 4096, 8192, 16384, 65536, 1 << 20}) {
                a.add(Arguments.of(to, pageSize));
            }
        }
        return a.stream();
    }

    /**
     * The java tier's own fixed-Huffman encoder against QPL's decompressor (the hardware tier on software jobs
     * here), at every page size the engine allows: every kind of page, runs, repeats at and beyond the 4 KiB
     * window, copies that reach the page's end, and fuzz pages from a fixed seed.
     */
    @ParameterizedTest(name = "java fixed -> {0}, page size {1}")
    @MethodSource("javaFixedToQpl")
    void javaFixedHuffmanPagesDecodeOnQpl(String to, int pageSize) throws Exception {
        QplMethod method = Fixtures.hardwareOnSoftwareJobs(QplCalls::bindings);
        ChannelContext sendContext = new ChannelContext(0, pageSize, Fixtures.MAX_PAGES,
                MethodParameters.of("qpl-path", "java", "qpl-huffman", "fixed"));
        ChannelContext receiveContext = new ChannelContext(0, pageSize, Fixtures.MAX_PAGES,
                MethodParameters.of("qpl-path", to));
        try (Arena arena = Arena.ofConfined();
             ChannelSender sender = method.newSender(sendContext);
             ChannelReceiver receiver = method.newReceiver(receiveContext)) {
            TestPages kinds = new TestPages(arena, pageSize, pageSize);
            EdgePages edges = new EdgePages(arena, pageSize, pageSize + 1);
            List<MemorySegment> pages = new ArrayList<>(kinds.mixed(Fixtures.MAX_PAGES));
            pages.add(kinds.page(TestPages.Kind.RANDOM));
            pages.addAll(List.of(edges.run((byte) 0), edges.run((byte) 0x5a), edges.repeating(4096),
                    edges.repeating(4097), edges.textEndingInCopy()));
            SplittableRandom seeds = new SplittableRandom(20261129L + pageSize);
            for (int i = 0; i < 24; i++) {
                pages.add(new EdgePages(arena, pageSize, seeds.nextLong()).fuzz());
            }
            for (int first = 0; first < pages.size(); first += Fixtures.MAX_PAGES) {
                List<MemorySegment> in = pages.subList(first, Math.min(pages.size(), first + Fixtures.MAX_PAGES));
                List<MemorySegment> out = new ArrayList<>();
                sender.encode(in, out);
                List<MemorySegment> targets = kinds.targets(in.size());
                receiver.decode(Fixtures.concat(arena, out), targets);
                for (int i = 0; i < in.size(); i++) {
                    assertEquals(-1, targets.get(i).mismatch(in.get(i)), "page " + (first + i));
                }
            }
            long raw = sender.statistics().get("pages_raw");
            assertEquals(pages.size(), sender.statistics().get("pages_java"));
            assertEquals(raw, receiver.statistics().get("pages_raw"));
            assertEquals(pages.size() - raw, receiver.statistics().get("pages_" + to), "streams QPL inflated");
            assertTrue(raw >= 2 && raw < pages.size() / 2, raw + " raw pages of " + pages.size());
        }
    }
}
