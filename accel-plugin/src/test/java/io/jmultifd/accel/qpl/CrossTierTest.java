package io.jmultifd.accel.qpl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jmultifd.qpl.jobs.Pages;
import io.jmultifd.qpl.jobs.QplCalls;
import io.jmultifd.qpl.testing.RequiresLibqpl;
import io.jmultifd.spi.ChannelContext;
import io.jmultifd.spi.ChannelReceiver;
import io.jmultifd.spi.ChannelSender;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
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
}
