package io.jmultifd.accel.qpl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jmultifd.qpl.jobs.Pages;
import io.jmultifd.qpl.jobs.QplCalls;
import io.jmultifd.qpl.jobs.QplJob;
import io.jmultifd.qpl.jobs.QplPath;
import io.jmultifd.qpl.testing.RequiresLibqpl;
import io.jmultifd.spi.ChannelReceiver;
import io.jmultifd.spi.CorruptPayloadException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.Deflater;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The per-page format's rule, as a table run against every tier's receiver (hardware: the batch orchestration on
 * software jobs; software; java): each packet is accepted by all tiers or rejected by all, with the same message
 * (but for the tier's name), and the message gives the right numbers. A packet holds three pages, the case in the
 * middle.
 */
@RequiresLibqpl
class PageFormatAgreementTest {
    private static final int PAGE = Pages.PAGE;
    private static final List<String> TIERS = List.of("hardware", "software", "java");

    private static Arena arena;
    private static Pages pages;
    private static MemorySegment first;
    private static MemorySegment last;
    private static byte[] firstStream;
    private static byte[] lastStream;

    @BeforeAll
    static void setUp() {
        arena = Arena.ofShared();
        pages = new Pages(arena, 91);
        first = pages.text();
        last = pages.binary();
        firstStream = qplCompress(first, false);
        lastStream = zlib(bytes(last), 6, true);
    }

    @AfterAll
    static void tearDown() {
        arena.close();
    }

    private static byte[] bytes(MemorySegment s) {
        return s.toArray(ValueLayout.JAVA_BYTE);
    }

    /** A stream as the qpl method's QPL tiers write it (level 1, fixed or dynamic Huffman). */
    private static byte[] qplCompress(MemorySegment page, boolean dynamic) {
        try (QplJob job = QplJob.open(QplPath.SOFTWARE)) {
            MemorySegment slot = arena.allocate(PAGE - 1, 64);
            job.prepareCompress(page, PAGE, slot, PAGE - 1, dynamic);
            assertEquals(0, QplCalls.bindings().execute(job.segment()));
            return slot.asSlice(0, job.totalOut()).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    /** java.util.zip raw DEFLATE; {@code finish} false ends the data with a sync flush instead of a final block. */
    private static byte[] zlib(byte[] data, int level, boolean finish) {
        Deflater d = new Deflater(level, true);
        try {
            d.setInput(data);
            byte[] buf = new byte[2 * data.length + 64];
            int n;
            if (finish) {
                d.finish();
                n = 0;
                while (!d.finished()) {
                    n += d.deflate(buf, n, buf.length - n);
                }
            } else {
                n = d.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH);
            }
            return Arrays.copyOf(buf, n);
        } finally {
            d.end();
        }
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] all = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

    /** Header with {@code declared} lengths (the parts' sizes when null), then the parts. */
    private static MemorySegment payload(int[] declared, byte[]... parts) {
        int n = declared != null ? declared.length : parts.length;
        byte[] header = new byte[4 * n];
        MemorySegment h = MemorySegment.ofArray(header);
        for (int i = 0; i < n; i++) {
            h.set(PerPageFormat.LENGTH, 4L * i, declared != null ? declared[i] : parts[i].length);
        }
        byte[] all = concat(header, concat(parts));
        MemorySegment p = arena.allocate(Math.max(1, all.length), 64).asSlice(0, all.length);
        MemorySegment.copy(all, 0, p, ValueLayout.JAVA_BYTE, 0, all.length);
        return p;
    }

    /** The three-page packet with {@code middle} as page 1's payload. */
    private static MemorySegment packet(byte[] middle) {
        return payload(null, firstStream, middle, lastStream);
    }

    private static final Map<String, QplMethod> METHODS = new LinkedHashMap<>();

    private static QplMethod method(String tier) {
        return METHODS.computeIfAbsent(tier, t -> t.equals("hardware")
                ? Fixtures.hardwareOnSoftwareJobs(QplCalls::bindings) : Fixtures.real());
    }

    /**
     * Each tier's verdict on a payload: "accepted" and a hash of the middle page as inflated (the first and last
     * pages, and the middle one when given, are checked), or the page index and message without the tier's name.
     */
    private static Map<String, String> verdicts(MemorySegment payload, MemorySegment middlePage) {
        Map<String, String> verdicts = new LinkedHashMap<>();
        for (String tier : TIERS) {
            try (ChannelReceiver receiver = method(tier).newReceiver(Fixtures.context("qpl-path", tier))) {
                assertEquals(tier, ((PerPageReceiver) receiver).tier());
                List<MemorySegment> targets = pages.targets(3);
                try {
                    receiver.decode(payload, targets);
                    assertEquals(-1, targets.get(0).mismatch(first), tier);
                    if (middlePage != null) {
                        assertEquals(-1, targets.get(1).mismatch(middlePage), tier);
                    }
                    assertEquals(-1, targets.get(2).mismatch(last), tier);
                    verdicts.put(tier, "accepted " + Arrays.hashCode(bytes(targets.get(1))));
                } catch (CorruptPayloadException e) {
                    String message = e.getMessage().replace("(" + tier + " tier) ", "(tier) ");
                    verdicts.put(tier, e.pageIndex() + ": " + message);
                }
            }
        }
        return verdicts;
    }

    /** Every tier rejects, all with the same message, which contains {@code expected}; returns that message. */
    private static String assertRejected(String name, MemorySegment payload, int page, String expected) {
        Map<String, String> verdicts = verdicts(payload, null);
        String message = verdicts.get("java");
        for (String tier : TIERS) {
            assertEquals(message, verdicts.get(tier), name + ": tiers disagree: " + verdicts);
        }
        assertTrue(message.startsWith(page + ": "), name + ": " + verdicts);
        assertTrue(message.contains(expected), name + ": " + message);
        return message;
    }

    private static void assertAccepted(String name, MemorySegment payload, MemorySegment middle) {
        Map<String, String> verdicts = verdicts(payload, middle);
        for (String tier : TIERS) {
            assertTrue(verdicts.get(tier).startsWith("accepted"), name + ": " + verdicts);
        }
    }

    @Test
    void wellFormedStreamsAndRawPagesAreAcceptedByEveryTier() {
        MemorySegment middle = pages.pattern();
        assertAccepted("QPL fixed Huffman", packet(qplCompress(middle, false)), middle);
        assertAccepted("QPL dynamic Huffman", packet(qplCompress(middle, true)), middle);
        assertAccepted("zlib level 1", packet(zlib(bytes(middle), 1, true)), middle);
        assertAccepted("zlib level 9", packet(zlib(bytes(middle), 9, true)), middle);
        MemorySegment random = pages.random();
        assertAccepted("length == page size: raw", packet(bytes(random)), random);
    }

    @Test
    void trailingBytesAreRejectedByEveryTierWithTheirExactCount() {
        MemorySegment middle = pages.text();
        for (boolean dynamic : new boolean[] {false, true}) {
            byte[] stream = qplCompress(middle, dynamic);
            for (int extra : new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 100}) {
                for (byte fill : new byte[] {0, (byte) 0xA7}) {
                    byte[] longer = Arrays.copyOf(stream, stream.length + extra);
                    Arrays.fill(longer, stream.length, longer.length, fill);
                    assertRejected(extra + " trailing bytes", packet(longer), 1, "page 1 of packet: (tier) " + extra
                            + " bytes of trailing data after the end of the DEFLATE stream (" + longer.length
                            + " bytes in all)");
                }
            }
        }
        // A second complete stream after the first is trailing data, all of it.
        byte[] again = qplCompress(middle, false);
        assertRejected("two streams", packet(concat(again, again)), 1, again.length + " bytes of trailing data");
        // So is an empty final block after the stream's own final block.
        assertRejected("empty block after", packet(concat(again, new byte[] {0x03, 0x00})), 1,
                "2 bytes of trailing data");
    }

    @Test
    void streamsWithoutTheirEndAreRejectedByEveryTier() {
        MemorySegment middle = pages.text();
        byte[] stream = qplCompress(middle, false);
        for (int cut : new int[] {1, 2, stream.length / 2}) {
            assertRejected("cut by " + cut, packet(Arrays.copyOf(stream, stream.length - cut)), 1,
                    "ends before its final block");
        }
        // Not final: the whole page in blocks of which none is marked final, ended by a sync flush.
        byte[] notFinal = zlib(bytes(middle), 6, false);
        assertRejected("not final", packet(notFinal), 1,
                "ends before its final block, after inflating 4096 bytes, a whole page, without its end-of-block code");
    }

    @Test
    void completeStreamsOfAnotherSizeAreRejectedByEveryTier() {
        for (int size : new int[] {0, 1, PAGE / 2, PAGE - 1}) {
            byte[] stream = zlib(new byte[size], 6, true);
            assertRejected(size + " bytes", packet(stream), 1, "page 1 of packet: (tier) DEFLATE stream of "
                    + stream.length + " bytes inflates to " + size + " bytes, less than one page (4096 bytes)");
        }
        for (int size : new int[] {PAGE + 1, 2 * PAGE}) {
            assertRejected(size + " bytes", packet(zlib(new byte[size], 6, true)), 1,
                    "DEFLATE stream inflates to more than one page (4096 bytes)");
        }
        byte[] noise = Arrays.copyOf(bytes(pages.random()), 1200);
        assertRejected("random bytes", packet(noise), 1, "invalid DEFLATE stream");
    }

    @Test
    void lengthsOutsideTheFormatAreRejectedByEveryTier() {
        assertRejected("empty payload", payload(null).asSlice(0, 0), -1,
                "payload of 0 bytes is shorter than the 12-byte length header of 3 pages");
        assertRejected("length 0", payload(new int[] {firstStream.length, 0, lastStream.length}, firstStream,
                lastStream), 1, "length 0 is outside 1..4096");
        byte[] big = new byte[PAGE + 1];
        assertRejected("length > page size", payload(null, firstStream, big, lastStream), 1,
                "length 4097 is outside 1..4096");
    }

    /** Damaged streams of every kind: whatever each tier's decoder would say, the tiers say the same. */
    @Test
    void everyTierGivesTheSameVerdictOnDamagedStreams() {
        SplittableRandom random = new SplittableRandom(77);
        List<byte[]> goods = new ArrayList<>();
        for (MemorySegment page : List.of(pages.text(), pages.binary(), pages.pattern(), pages.nearZero())) {
            goods.add(qplCompress(page, false));
            goods.add(qplCompress(page, true));
            goods.add(zlib(bytes(page), 6, true));
        }
        int cases = 0;
        int accepted = 0;
        for (byte[] good : goods) {
            for (int round = 0; round < 24; round++) {
                byte[] damaged = good.clone();
                int bit = random.nextInt(8 * Math.min(good.length, 48));
                damaged[bit / 8] ^= (byte) (1 << (bit % 8));
                if (round % 3 == 0) {
                    damaged = Arrays.copyOf(damaged, damaged.length - 1 - random.nextInt(3));
                } else if (round % 3 == 1) {
                    damaged = Arrays.copyOf(damaged, damaged.length + random.nextInt(4));
                }
                Map<String, String> verdicts = verdicts(packet(damaged), null);
                cases++;
                String java = verdicts.get("java");
                accepted += java.startsWith("accepted") ? 1 : 0;
                for (String tier : TIERS) {
                    assertEquals(java, verdicts.get(tier), "tiers disagree on " + Arrays.toString(damaged) + ": "
                            + verdicts);
                }
            }
        }
        assertTrue(accepted < cases / 2, accepted + " of " + cases + " damaged packets accepted");
    }
}
