package io.jmultifd.accel.qpl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jmultifd.qpl.jobs.Pages;
import io.jmultifd.qpl.testing.RequiresLibqpl;
import io.jmultifd.spi.ChannelReceiver;
import io.jmultifd.spi.CorruptPayloadException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.Deflater;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bad payloads given to the qpl method's receiver on the software tier: each is a CorruptPayloadException that
 * names the page, the JVM survives, and no byte outside the target pages changes (guard bytes around them).
 */
@RequiresLibqpl
class BadPayloadTest {
    private static final byte GUARD = (byte) 0x5A;

    private Arena arena;
    private Pages pages;
    private ChannelReceiver receiver;
    private MemorySegment guarded;
    private List<MemorySegment> targets;

    @BeforeEach
    void setUp() {
        arena = Arena.ofShared();
        pages = new Pages(arena, 5);
        receiver = Fixtures.real().newReceiver(Fixtures.context("qpl-path", "software"));
        assertEquals("software", ((PerPageReceiver) receiver).tier());
        // Three targets with a guard page before, between and after them.
        guarded = arena.allocate(7L * Pages.PAGE, 64);
        guarded.fill(GUARD);
        targets = List.of(guarded.asSlice(Pages.PAGE, Pages.PAGE), guarded.asSlice(3L * Pages.PAGE, Pages.PAGE),
                guarded.asSlice(5L * Pages.PAGE, Pages.PAGE));
    }

    @AfterEach
    void tearDown() {
        if (receiver != null) {
            receiver.close();
        }
        if (arena != null) {
            arena.close();
        }
    }

    /**
     * A payload: the length header ({@code declared}, or each body's size when null), then the bodies. One
     * header entry per target page.
     */
    private MemorySegment payload(int[] declared, MemorySegment... bodies) {
        List<MemorySegment> parts = new ArrayList<>();
        int n = declared != null ? declared.length : bodies.length;
        MemorySegment header = arena.allocate(4L * n);
        for (int i = 0; i < n; i++) {
            header.set(PerPageFormat.LENGTH, 4L * i, declared != null ? declared[i] : (int) bodies[i].byteSize());
        }
        parts.add(header);
        parts.addAll(List.of(bodies));
        return Fixtures.concat(arena, parts);
    }

    private MemorySegment deflate(MemorySegment data) {
        Deflater deflater = new Deflater(1, true);
        try {
            deflater.setInput(data.toArray(ValueLayout.JAVA_BYTE));
            deflater.finish();
            byte[] out = new byte[Pages.PAGE * 2];
            int n = deflater.deflate(out);
            assertTrue(deflater.finished());
            MemorySegment s = arena.allocate(n);
            MemorySegment.copy(out, 0, s, ValueLayout.JAVA_BYTE, 0, n);
            return s;
        } finally {
            deflater.end();
        }
    }

    private CorruptPayloadException assertCorrupt(MemorySegment payload, int page, String expected) {
        CorruptPayloadException e = assertThrows(CorruptPayloadException.class,
                () -> receiver.decode(payload, targets));
        assertEquals(page, e.pageIndex(), e.getMessage());
        assertTrue(e.getMessage().contains("page " + page), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertGuardsIntact();
        return e;
    }

    private void assertGuardsIntact() {
        for (long start : new long[] {0, 2L * Pages.PAGE, 4L * Pages.PAGE, 6L * Pages.PAGE}) {
            for (long at = start; at < start + Pages.PAGE; at++) {
                assertEquals(GUARD, guarded.get(ValueLayout.JAVA_BYTE, at), "guard byte " + at + " changed");
            }
        }
    }

    private MemorySegment good() {
        return deflate(pages.text());
    }

    @Test
    void truncatedStream() {
        MemorySegment stream = good();
        assertCorrupt(payload(null, good(), stream.asSlice(0, stream.byteSize() / 2), good()), 1, "not one page");
    }

    @Test
    void randomBytes() {
        assertCorrupt(payload(null, good(), good(), pages.random().asSlice(0, 1500)), 2, "DEFLATE stream");
    }

    @Test
    void lengthZero() {
        MemorySegment a = good();
        MemorySegment c = good();
        assertCorrupt(payload(new int[] {(int) a.byteSize(), 0, (int) c.byteSize()}, a, c), 1, "length 0");
    }

    @Test
    void lengthAbovePageSize() {
        MemorySegment big = arena.allocate(Pages.PAGE + 1);
        assertCorrupt(payload(null, big, good(), good()), 0, "length " + (Pages.PAGE + 1));
    }

    @Test
    void streamInflatingToLessThanOnePage() {
        MemorySegment half = deflate(arena.allocate(Pages.PAGE - 1));
        assertCorrupt(payload(null, good(), half, good()), 1, "inflates to " + (Pages.PAGE - 1) + " bytes");
    }

    @Test
    void streamInflatingToMoreThanOnePage() {
        MemorySegment twoPages = deflate(arena.allocate(2L * Pages.PAGE));
        assertCorrupt(payload(null, twoPages, good(), good()), 0, "more than one page");
    }

    @Test
    void streamInflatingToOneByteMoreThanOnePage() {
        MemorySegment onePlus = deflate(arena.allocate(Pages.PAGE + 1));
        assertCorrupt(payload(null, good(), good(), onePlus), 2, "more than one page");
    }

    @Test
    void lengthsThatDoNotAddUpToThePayload() {
        MemorySegment a = good();
        MemorySegment b = good();
        MemorySegment c = good();
        MemorySegment shortPayload = payload(null, a, b, c);
        CorruptPayloadException e = assertThrows(CorruptPayloadException.class,
                () -> receiver.decode(shortPayload.asSlice(0, shortPayload.byteSize() - 1), targets));
        assertEquals(-1, e.pageIndex());
        assertGuardsIntact();
    }

    @Test
    void receiverStillWorksAfterABadPacket() throws Exception {
        assertCorrupt(payload(null, good(), good(), pages.random().asSlice(0, 900)), 2, "DEFLATE stream");
        MemorySegment p0 = pages.text();
        MemorySegment p1 = pages.binary();
        MemorySegment p2 = pages.pattern();
        receiver.decode(payload(null, deflate(p0), deflate(p1), deflate(p2)), targets);
        assertEquals(-1, targets.get(0).mismatch(p0));
        assertEquals(-1, targets.get(1).mismatch(p1));
        assertEquals(-1, targets.get(2).mismatch(p2));
        assertGuardsIntact();
    }
}
