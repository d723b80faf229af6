package io.jmultifd.accel.qpl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jmultifd.qpl.jobs.Pages;
import io.jmultifd.qpl.jobs.QplCalls;
import io.jmultifd.qpl.testing.RequiresLibqpl;
import io.jmultifd.spi.ChannelContext;
import io.jmultifd.spi.ChannelReceiver;
import io.jmultifd.spi.ChannelSender;
import io.jmultifd.spi.MethodStatistics;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every tier of the qpl method, through its own sender and receiver, on varied pages. */
class TierRoundTripTest {

    static Stream<Arguments> qplTiers() {
        return tiers("software", "hardware");
    }

    static Stream<Arguments> javaTier() {
        return tiers("java");
    }

    private static Stream<Arguments> tiers(String... tiers) {
        List<Arguments> a = new ArrayList<>();
        for (String tier : tiers) {
            for (String huffman : List.of("fixed", "dynamic")) {
                a.add(Arguments.of(tier, huffman));
            }
        }
        return a.stream();
    }

    /** The method to use for a tier: hardware is the batch orchestration on software jobs (no IAA here). */
    static QplMethod methodFor(String tier) {
        return tier.equals("hardware") ? Fixtures.hardwareOnSoftwareJobs(QplCalls::bindings) : Fixtures.real();
    }

    @RequiresLibqpl
    @ParameterizedTest(name = "{0} tier, {1} Huffman")
    @MethodSource("qplTiers")
    void qplTiersRoundTripVariedPagesAndSendIncompressibleOnesRaw(String tier, String huffman) throws Exception {
        roundTripsVariedPagesAndSendsIncompressibleOnesRaw(tier, huffman);
    }

    /** The java tier needs no libqpl, so it runs (and must pass) everywhere. */
    @ParameterizedTest(name = "{0} tier, {1} Huffman")
    @MethodSource("javaTier")
    void javaTierRoundTripsVariedPagesAndSendsIncompressibleOnesRaw(String tier, String huffman) throws Exception {
        roundTripsVariedPagesAndSendsIncompressibleOnesRaw(tier, huffman);
    }

    private static void roundTripsVariedPagesAndSendsIncompressibleOnesRaw(String tier, String huffman)
            throws Exception {
        QplMethod method = methodFor(tier);
        ChannelContext context = Fixtures.context("qpl-path", tier, "qpl-huffman", huffman);
        try (Arena arena = Arena.ofConfined();
             ChannelSender sender = method.newSender(context);
             ChannelReceiver receiver = method.newReceiver(context)) {
            assertEquals(tier, ((PerPageSender) sender).tier());
            Pages pages = new Pages(arena, 11);
            long expectedBytesIn = 0;
            long expectedBytesOut = 0;
            int expectedRaw = 0;
            for (int packet = 0; packet < 3; packet++) {
                List<MemorySegment> in = pages.mixed();
                List<MemorySegment> out = new ArrayList<>();
                long length = sender.encode(in, out);
                MemorySegment payload = Fixtures.concat(arena, out);
                assertEquals(length, payload.byteSize());

                // The two random pages of mixed() (indexes 4 and 7) go raw, every other page shrinks.
                for (int i = 0; i < in.size(); i++) {
                    int pageLength = payload.get(PerPageFormat.LENGTH, 4L * i);
                    boolean random = i == 4 || i == 7;
                    assertEquals(random, pageLength == Pages.PAGE, "page " + i + " length " + pageLength);
                }
                expectedRaw += 2;
                expectedBytesIn += (long) in.size() * Pages.PAGE;
                expectedBytesOut += payload.byteSize();

                List<MemorySegment> targets = pages.targets(in.size());
                receiver.decode(payload, targets);
                for (int i = 0; i < in.size(); i++) {
                    assertEquals(-1, targets.get(i).mismatch(in.get(i)), "packet " + packet + " page " + i);
                }
            }
            MethodStatistics sent = sender.statistics();
            assertEquals(List.of("pages_hardware", "pages_software", "pages_java", "pages_raw", "resubmissions",
                    "fallbacks", "bytes_in", "bytes_out"), List.copyOf(sent.counters().keySet()));
            assertEquals(24, sent.get("pages_" + tier), sent.toString());
            assertEquals(24, sent.get("pages_hardware") + sent.get("pages_software") + sent.get("pages_java"));
            assertEquals(expectedRaw, sent.get("pages_raw"));
            assertEquals(0, sent.get("fallbacks"));
            assertEquals(0, sent.get("resubmissions"));
            assertEquals(expectedBytesIn, sent.get("bytes_in"));
            assertTrue(sent.get("bytes_out") < sent.get("bytes_in"), sent.toString());
            // Counted once, by the format, whatever the tier: the payloads as sent, length headers included.
            assertEquals(expectedBytesOut, sent.get("bytes_out"));

            MethodStatistics received = receiver.statistics();
            // The receiver's codec sees only the compressed pages: 6 per packet.
            assertEquals(18, received.get("pages_" + tier), received.toString());
            assertEquals(expectedRaw, received.get("pages_raw"));
            assertEquals(sent.get("bytes_out"), received.get("bytes_in"));
            assertEquals(expectedBytesIn, received.get("bytes_out"));
        }
    }
}
