package io.jmultifd.sw;

import static org.junit.jupiter.api.Assertions.*;

import io.jmultifd.spi.ChannelSender;
import io.jmultifd.spi.CorruptPayloadException;
import io.jmultifd.spi.MethodParameters;
import io.jmultifd.spi.contract.GuardedTargets;
import io.jmultifd.spi.contract.MethodContract;
import io.jmultifd.spi.contract.TestPages;
import io.jmultifd.spi.contract.TestPages.Kind;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What every one-stream-per-packet method (zlib, zstd) must do beyond the contract of every method
 * ({@link MethodContract}); subclasses say how to build raw streams.
 */
public abstract class PacketMethodContract extends MethodContract {

    protected abstract String levelParameter();

    /** A stream of the method's format over {@code content}, made independently of the sender under test. */
    protected abstract byte[] stream(byte[] content);

    /** What the handshake carries with the default parameters: nothing unless the method says otherwise. */
    protected java.util.Map<String, String> defaultHandshake() {
        return java.util.Map.of();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, MAX})
    @Override
    public void roundTripsMixedBatches(int n) throws Exception {
        for (int round = 0; round < 3; round++) {
            List<MemorySegment> pages = gen.mixed(n);
            MemorySegment payload = encode(sender, pages);
            GuardedTargets targets = new GuardedTargets(arena, n, PAGE);
            receiver.decode(payload, targets.pages());
            TestPages.assertSamePages(pages, targets.pages());
            targets.assertGuardsIntact();
        }
        assertEquals(3L * n, sender.statistics().get("pages"));
        assertEquals(3L * n * PAGE, receiver.statistics().get("bytes_out"));
        assertEquals(sender.statistics().get("bytes_out"), receiver.statistics().get("bytes_in"));
    }

    @Test
    @Override
    public void roundTripsIncompressiblePages() throws Exception {
        List<MemorySegment> pages = new ArrayList<>();
        for (int i = 0; i < MAX; i++) {
            pages.add(gen.page(Kind.RANDOM));
        }
        MemorySegment payload = encode(sender, pages);
        assertTrue(payload.byteSize() > (long) MAX * PAGE, "random data grows a little");
        List<MemorySegment> targets = gen.targets(MAX);
        receiver.decode(payload, targets);
        TestPages.assertSamePages(pages, targets);
    }

    @Test
    void decodesStreamsMadeIndependently() throws Exception {
        List<MemorySegment> pages = gen.mixed(9);
        List<MemorySegment> targets = gen.targets(9);
        receiver.decode(segment(stream(Deflate.concat(pages))), targets);
        TestPages.assertSamePages(pages, targets);
    }

    @Test
    void rejectsStreamOfFewerPages() {
        rejects(segment(stream(Deflate.concat(gen.mixed(2)))), 3);
    }

    @Test
    void rejectsStreamEndingInsideTheLastPage() {
        byte[] content = Arrays.copyOf(Deflate.concat(gen.mixed(3)), 3 * PAGE - 100);
        rejects(segment(stream(content)), 3);
    }

    @Test
    void rejectsStreamOfMorePages() {
        CorruptPayloadException e = rejects(segment(stream(Deflate.concat(gen.mixed(4)))), 3);
        assertEquals(-1, e.pageIndex());
    }

    @Test
    void rejectsStreamOneByteTooLong() {
        byte[] content = Arrays.copyOf(Deflate.concat(gen.mixed(3)), 3 * PAGE + 1);
        CorruptPayloadException e = rejects(segment(stream(content)), 3);
        assertEquals(-1, e.pageIndex());
    }

    @Test
    void rejectsTrailingGarbage() {
        byte[] s = stream(Deflate.concat(gen.mixed(3)));
        byte[] tail = Arrays.copyOf(s, s.length + 5);
        CorruptPayloadException e = rejects(segment(tail), 3);
        assertEquals(-1, e.pageIndex());
        assertTrue(e.getMessage().contains("5 bytes of trailing data"), e.getMessage());
    }

    @Test
    @Override
    public void rejectsCorruptedBytes() {
        MemorySegment full = encode(sender, gen.mixed(5));
        byte[] bytes = Deflate.bytes(full);
        SplittableRandom r = new SplittableRandom(17);
        int rejected = 0;
        for (int trial = 0; trial < 50; trial++) {
            byte[] copy = bytes.clone();
            int at = r.nextInt(copy.length);
            copy[at] ^= (byte) (1 + r.nextInt(255));
            GuardedTargets targets = new GuardedTargets(arena, 5, PAGE);
            try {
                receiver.decode(segment(copy), targets.pages());
            } catch (CorruptPayloadException e) {
                rejected++;
            }
            targets.assertGuardsIntact(); // rejected or (undetectably) wrong content, never outside the pages
        }
        assertTrue(rejected > 0, "some corruptions are detected");
    }

    @Test
    @Override
    public void rejectsPayloadLongerThanTheBound() {
        long max = receiver.maxPayloadSize(2);
        CorruptPayloadException e = rejects(arena.allocate(max + 1), 2);
        assertEquals(-1, e.pageIndex());
        assertTrue(e.getMessage().contains(Long.toString(max)), e.getMessage());
    }

    @Test
    void levelParameterIsValidated() {
        String p = levelParameter();
        assertEquals("1", method().parameterDefaults().get(p));
        assertEquals(defaultHandshake(), method().handshakeParameters(MethodParameters.of(p, "3")),
                "the level is the sender's alone and never travels");
        IllegalArgumentException tooHigh = assertThrows(IllegalArgumentException.class,
                () -> method().handshakeParameters(MethodParameters.of(p, "99")));
        assertTrue(tooHigh.getMessage().startsWith(p + "=99"), tooHigh.getMessage());
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> method().handshakeParameters(MethodParameters.of(p, "-1")));
        assertTrue(negative.getMessage().startsWith(p + "=-1"), negative.getMessage());
        IllegalArgumentException word = assertThrows(IllegalArgumentException.class,
                () -> method().handshakeParameters(MethodParameters.of(p, "fast")));
        assertTrue(word.getMessage().contains(p + "=fast") && word.getMessage().contains("not an integer"),
                word.getMessage());
        assertThrows(IllegalArgumentException.class, () -> method().newSender(context(p, "99")));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 5, 9})
    void everyLevelRoundTrips(int level) throws Exception {
        try (ChannelSender s = method().newSender(context(levelParameter(), Integer.toString(level)))) {
            List<MemorySegment> pages = gen.mixed(11);
            List<MemorySegment> targets = gen.targets(11);
            receiver.decode(encode(s, pages), targets);
            TestPages.assertSamePages(pages, targets);
        }
    }
}
