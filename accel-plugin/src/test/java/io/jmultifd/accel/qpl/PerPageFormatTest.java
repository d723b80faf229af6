package io.jmultifd.accel.qpl;

import static org.junit.jupiter.api.Assertions.*;

import io.jmultifd.spi.ChannelContext;
import io.jmultifd.spi.CorruptPayloadException;
import io.jmultifd.spi.MethodParameters;
import io.jmultifd.spi.MethodStatistics;
import io.jmultifd.spi.PageCodec;
import io.jmultifd.spi.contract.GuardedTargets;
import io.jmultifd.spi.contract.TestPages;
import io.jmultifd.spi.contract.TestPages.Kind;
import io.jmultifd.sw.Deflate;
import io.jmultifd.sw.perpage.JavaDeflatePageCodec;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The qpl per-page format with the java tier on both ends. */
class PerPageFormatTest {
    static final int PAGE = 4096;
    static final int MAX = 64;
    static final ChannelContext CONTEXT = new ChannelContext(0, PAGE, MAX, MethodParameters.of());

    Arena arena;
    TestPages gen;
    PerPageSender sender;
    PerPageReceiver receiver;

    @BeforeEach
    void setUp() {
        arena = Arena.ofShared();
        gen = new TestPages(arena, PAGE, 42);
        sender = new PerPageSender(CONTEXT, new JavaDeflatePageCodec(PAGE));
        receiver = new PerPageReceiver(CONTEXT, new JavaDeflatePageCodec(PAGE));
    }

    @AfterEach
    void tearDown() {
        sender.close();
        receiver.close();
        arena.close();
    }

    MemorySegment encode(List<MemorySegment> pages) {
        List<MemorySegment> out = new ArrayList<>();
        long length = sender.encode(pages, out);
        MemorySegment payload = gen.concat(out);
        assertEquals(length, payload.byteSize(), "encode's return value is the payload length");
        return payload;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, MAX})
    void roundTripsMixedBatches(int n) throws Exception {
        for (int round = 0; round < 3; round++) {
            List<MemorySegment> pages = gen.mixed(n);
            MemorySegment payload = encode(pages);
            GuardedTargets targets = new GuardedTargets(arena, n, PAGE);
            receiver.decode(payload, targets.pages());
            TestPages.assertSamePages(pages, targets.pages());
            targets.assertGuardsIntact();
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void roundTripsEveryKindOfPage(Kind kind) throws Exception {
        List<MemorySegment> pages = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            pages.add(gen.page(kind));
        }
        pages.add(gen.pairOf(pages.get(0)));
        MemorySegment payload = encode(pages);
        List<MemorySegment> targets = gen.targets(pages.size());
        receiver.decode(payload, targets);
        TestPages.assertSamePages(pages, targets);
    }

    @Test
    void compressiblePagesShrinkAndLiveInTheSendersSlots() {
        List<MemorySegment> pages = List.of(gen.page(Kind.ONE_BYTE), gen.page(Kind.TEXT), gen.page(Kind.PATTERN));
        List<MemorySegment> out = new ArrayList<>();
        long total = sender.encode(pages, out);
        assertEquals(1 + pages.size(), out.size(), "header + one segment per page");
        MemorySegment header = out.get(0);
        assertEquals(4L * pages.size(), header.byteSize());
        long sum = header.byteSize();
        for (int i = 0; i < pages.size(); i++) {
            int length = header.get(PerPageFormat.LENGTH, 4L * i);
            assertTrue(length > 0 && length < PAGE, "page " + i + " compressed, length " + length);
            assertEquals(length, out.get(1 + i).byteSize());
            assertNotEquals(pages.get(i).address(), out.get(1 + i).address());
            sum += length;
        }
        assertEquals(total, sum);
    }

    @Test
    void randomPagesAreSentRawAsTheGuestPageItself() throws Exception {
        List<MemorySegment> pages = List.of(gen.page(Kind.RANDOM), gen.page(Kind.TEXT), gen.page(Kind.RANDOM));
        List<MemorySegment> out = new ArrayList<>();
        long total = sender.encode(pages, out);
        MemorySegment header = out.get(0);
        for (int i : new int[] {0, 2}) {
            assertEquals(PAGE, header.get(PerPageFormat.LENGTH, 4L * i), "random page " + i + " goes raw");
            MemorySegment sent = out.get(1 + i);
            assertEquals(pages.get(i).address(), sent.address(), "raw page " + i + " is the guest page, not a copy");
            assertEquals(PAGE, sent.byteSize());
        }
        assertTrue(header.get(PerPageFormat.LENGTH, 4L) < PAGE);
        MethodStatistics stats = sender.statistics();
        assertEquals(2, stats.get("pages_raw"));
        assertEquals(3, stats.get("pages_java"));
        assertEquals(3L * PAGE, stats.get("bytes_in"));
        assertEquals(total, stats.get("bytes_out"));

        List<MemorySegment> targets = gen.targets(3);
        receiver.decode(gen.concat(out), targets);
        TestPages.assertSamePages(pages, targets);
        assertEquals(2, receiver.statistics().get("pages_raw"));
        assertEquals(total, receiver.statistics().get("bytes_in"));
        assertEquals(3L * PAGE, receiver.statistics().get("bytes_out"));
    }

    @Test
    void maxPayloadSizeIsHeaderPlusEveryPageRaw() {
        assertEquals(4 + PAGE, receiver.maxPayloadSize(1));
        assertEquals(4L * MAX + (long) MAX * PAGE, receiver.maxPayloadSize(MAX));
        assertEquals(0, receiver.maxPayloadSize(0));
    }

    @Test
    void emptyPacketIsAnEmptyPayload() throws Exception {
        List<MemorySegment> out = new ArrayList<>();
        assertEquals(0, sender.encode(List.of(), out));
        assertTrue(out.isEmpty());
        receiver.decode(MemorySegment.NULL, List.of());
        CorruptPayloadException e = assertThrows(CorruptPayloadException.class,
                () -> receiver.decode(arena.allocate(4), List.of()));
        assertEquals(-1, e.pageIndex());
    }

    @Test
    void senderRefusesTooManyPagesOrWrongSizedPages() {
        assertThrows(IllegalArgumentException.class, () -> sender.encode(gen.mixed(MAX + 1), new ArrayList<>()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> sender.encode(List.of(gen.page(Kind.TEXT), arena.allocate(100)), new ArrayList<>()));
        assertTrue(e.getMessage().contains("page 1 has 100 bytes"), e.getMessage());
    }

    // ---- bad input: every case names the page (or -1) and never writes outside the targets ----

    /** A payload with the given lengths in the header and the given bodies after it, as the wire has it. */
    MemorySegment payload(int[] lengths, byte[]... bodies) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer header = ByteBuffer.allocate(4 * lengths.length);
        for (int l : lengths) {
            header.putInt(l);
        }
        out.writeBytes(header.array());
        for (byte[] b : bodies) {
            out.writeBytes(b);
        }
        byte[] bytes = out.toByteArray();
        MemorySegment s = arena.allocate(Math.max(1, bytes.length)).asSlice(0, bytes.length);
        MemorySegment.copy(bytes, 0, s, ValueLayout.JAVA_BYTE, 0, bytes.length);
        return s;
    }

    CorruptPayloadException rejects(MemorySegment payload, int pages, boolean headerError) {
        GuardedTargets targets = new GuardedTargets(arena, pages, PAGE);
        CorruptPayloadException e = assertThrows(CorruptPayloadException.class,
                () -> receiver.decode(payload, targets.pages()));
        if (headerError) {
            targets.assertUntouched();
        } else {
            targets.assertGuardsIntact();
        }
        return e;
    }

    byte[] rawPage() {
        return Deflate.bytes(gen.page(Kind.RANDOM));
    }

    byte[] textStream() {
        return Deflate.raw(Deflate.bytes(gen.page(Kind.TEXT)));
    }

    @Test
    void rejectsPayloadShorterThanTheHeader() {
        MemorySegment p = arena.allocate(5);
        CorruptPayloadException e = rejects(p, 3, true);
        assertEquals(-1, e.pageIndex());
        assertTrue(e.getMessage().contains("5 bytes") && e.getMessage().contains("12-byte"), e.getMessage());
    }

    @Test
    void rejectsTruncatedPayload() {
        List<MemorySegment> pages = gen.mixed(5);
        MemorySegment full = encode(pages);
        CorruptPayloadException e = rejects(full.asSlice(0, full.byteSize() - 10), 5, true);
        assertEquals(-1, e.pageIndex());
        assertTrue(e.getMessage().contains(Long.toString(full.byteSize()))
                && e.getMessage().contains(Long.toString(full.byteSize() - 10)), e.getMessage());
    }

    @Test
    void rejectsRandomBytes() {
        byte[] junk = new byte[3 * PAGE];
        new SplittableRandom(7).nextBytes(junk);
        MemorySegment p = arena.allocate(junk.length);
        MemorySegment.copy(junk, 0, p, ValueLayout.JAVA_BYTE, 0, junk.length);
        CorruptPayloadException e = rejects(p, 3, true);
        assertEquals(0, e.pageIndex(), e.getMessage());
    }

    @Test
    void rejectsLengthZero() {
        byte[] s = textStream();
        CorruptPayloadException e = rejects(payload(new int[] {s.length, 0, PAGE}, s, rawPage()), 3, true);
        assertEquals(1, e.pageIndex());
        assertTrue(e.getMessage().contains("length 0 ") && e.getMessage().contains("1.." + PAGE), e.getMessage());
    }

    @Test
    void rejectsLengthAboveThePageSize() {
        byte[] s = textStream();
        byte[] big = new byte[PAGE + 1];
        CorruptPayloadException e = rejects(payload(new int[] {s.length, PAGE, PAGE + 1}, s, rawPage(), big), 3,
                true);
        assertEquals(2, e.pageIndex());
        assertTrue(e.getMessage().contains("length " + (PAGE + 1)), e.getMessage());
    }

    @Test
    void showsHugeLengthsAsTheUnsignedNumberSent() {
        CorruptPayloadException e = rejects(payload(new int[] {-1}, new byte[16]), 1, true);
        assertEquals(0, e.pageIndex());
        assertTrue(e.getMessage().contains("length 4294967295"), e.getMessage());
    }

    @Test
    void rejectsLengthsThatDoNotAddUp() {
        byte[] s = textStream();
        // header says one byte more than the body holds, and one byte less
        CorruptPayloadException longer = rejects(payload(new int[] {s.length + 1, PAGE}, s, rawPage()), 2, true);
        assertEquals(-1, longer.pageIndex());
        long actual = 8 + s.length + PAGE;
        assertTrue(longer.getMessage().contains("adds up to " + (actual + 1))
                && longer.getMessage().contains(actual + " bytes"), longer.getMessage());
        CorruptPayloadException shorter = rejects(payload(new int[] {s.length - 1, PAGE}, s, rawPage()), 2, true);
        assertTrue(shorter.getMessage().contains("adds up to " + (actual - 1)), shorter.getMessage());
    }

    @Test
    void rejectsStreamInflatingToLessThanOnePage() {
        byte[] half = Deflate.raw(new byte[PAGE / 2]);
        CorruptPayloadException e = rejects(payload(new int[] {PAGE, half.length}, rawPage(), half), 2, false);
        assertEquals(1, e.pageIndex());
        assertTrue(e.getMessage().contains("less than one page") && e.getMessage().contains("java tier"),
                e.getMessage());
    }

    @Test
    void rejectsStreamInflatingToMoreThanOnePage() {
        byte[] two = Deflate.raw(new byte[2 * PAGE]);
        byte[] s = textStream();
        CorruptPayloadException e = rejects(payload(new int[] {s.length, two.length}, s, two), 2, false);
        assertEquals(1, e.pageIndex());
        assertTrue(e.getMessage().contains("more than one page"), e.getMessage());
    }

    @Test
    void rejectsStreamOneByteLongerThanAPage() {
        byte[] plusOne = Deflate.raw(new byte[PAGE + 1]);
        CorruptPayloadException e = rejects(payload(new int[] {plusOne.length}, plusOne), 1, false);
        assertEquals(0, e.pageIndex());
        assertTrue(e.getMessage().contains("more than one page"), e.getMessage());
    }

    @Test
    void rejectsTrailingGarbageAfterAStream() {
        byte[] s = textStream();
        byte[] withTail = java.util.Arrays.copyOf(s, s.length + 3);
        CorruptPayloadException e = rejects(payload(new int[] {PAGE, withTail.length}, rawPage(), withTail), 2,
                false);
        assertEquals(1, e.pageIndex());
        assertTrue(e.getMessage().contains("3 bytes of trailing data"), e.getMessage());
    }

    @Test
    void rejectsTruncatedStream() {
        byte[] s = textStream();
        byte[] cut = java.util.Arrays.copyOf(s, s.length / 2);
        CorruptPayloadException e = rejects(payload(new int[] {cut.length}, cut), 1, false);
        assertEquals(0, e.pageIndex());
        assertTrue(e.getMessage().contains("ends before its final block"), e.getMessage());
    }

    @Test
    void rejectsInvalidDeflateData() {
        byte[] reservedBlockType = {(byte) 0xFF, (byte) 0xFF, 0, 0};
        CorruptPayloadException e = rejects(payload(new int[] {PAGE, reservedBlockType.length}, rawPage(),
                reservedBlockType), 2, false);
        assertEquals(1, e.pageIndex());
        assertTrue(e.getMessage().contains("invalid DEFLATE stream"), e.getMessage());
    }

    // ---- fault injection ----

    /** A codec whose output and failures the test chooses. */
    static final class ScriptedCodec implements PageCodec {
        int compressLength = 1;
        CorruptPayloadException decompressFailure;
        boolean closed;

        @Override public String tier() { return "scripted"; }

        @Override
        public void compress(List<MemorySegment> pages, List<MemorySegment> slots, int[] lengths) {
            java.util.Arrays.fill(lengths, 0, pages.size(), compressLength);
        }

        @Override
        public void decompress(List<MemorySegment> streams, List<MemorySegment> pages)
                throws CorruptPayloadException {
            if (decompressFailure != null) {
                throw decompressFailure;
            }
        }

        @Override public MethodStatistics statistics() { return MethodStatistics.EMPTY; }

        @Override public void close() { closed = true; }
    }

    @Test
    void codecFailureIsReportedWithThePacketsPageIndex() {
        ScriptedCodec codec = new ScriptedCodec();
        // compressed pages are packet pages 1 and 3; the codec reports its batch page 1, i.e. packet page 3
        codec.decompressFailure = new CorruptPayloadException(1, "boom");
        try (PerPageReceiver r = new PerPageReceiver(CONTEXT, codec)) {
            byte[] s = textStream();
            MemorySegment p = payload(new int[] {PAGE, s.length, PAGE, s.length}, rawPage(), s, rawPage(), s);
            CorruptPayloadException e = assertThrows(CorruptPayloadException.class,
                    () -> r.decode(p, gen.targets(4)));
            assertEquals(3, e.pageIndex());
            assertTrue(e.getMessage().startsWith("page 3 of packet: (scripted tier) boom"), e.getMessage());
            assertSame(codec.decompressFailure, e.getCause());
        }
        assertTrue(codec.closed, "the receiver closes its codec");
    }

    @Test
    void senderRefusesACodecLengthOutsideTheFormat() {
        for (int bad : new int[] {0, -3, PAGE + 1}) {
            ScriptedCodec codec = new ScriptedCodec();
            codec.compressLength = bad;
            try (PerPageSender s = new PerPageSender(CONTEXT, codec)) {
                IllegalStateException e = assertThrows(IllegalStateException.class,
                        () -> s.encode(List.of(gen.page(Kind.TEXT)), new ArrayList<>()));
                assertTrue(e.getMessage().contains("length " + bad), e.getMessage());
            }
            assertTrue(codec.closed, "the sender closes its codec");
        }
    }

    @Test
    void pagesChangingWhileCompressedStillDecodeToOnePageEach() throws Exception {
        List<MemorySegment> pages = List.of(gen.page(Kind.TEXT), gen.page(Kind.BINARY), gen.page(Kind.PATTERN));
        AtomicBoolean stop = new AtomicBoolean();
        Thread guest = Thread.ofPlatform().start(() -> {
            SplittableRandom r = new SplittableRandom(3);
            while (!stop.get()) {
                MemorySegment p = pages.get(r.nextInt(pages.size()));
                p.set(ValueLayout.JAVA_LONG_UNALIGNED, r.nextInt(PAGE / 8) * 8L, r.nextLong(16));
            }
        });
        try {
            for (int i = 0; i < 200; i++) {
                MemorySegment payload = encode(pages);
                GuardedTargets targets = new GuardedTargets(arena, pages.size(), PAGE);
                receiver.decode(payload, targets.pages()); // throws if any stream is not exactly one page
                targets.assertGuardsIntact();
            }
        } finally {
            stop.set(true);
            guest.join();
        }
    }

    @Test
    void closeFromAnotherThreadReleasesTheSendersMemory() throws Exception {
        PerPageSender s = new PerPageSender(CONTEXT, new JavaDeflatePageCodec(PAGE));
        List<MemorySegment> out = new ArrayList<>();
        s.encode(List.of(gen.page(Kind.TEXT)), out);
        Thread closer = Thread.ofPlatform().start(s::close);
        closer.join();
        assertFalse(out.get(0).scope().isAlive(), "header memory freed by close()");
        assertThrows(IllegalStateException.class, () -> s.encode(List.of(gen.page(Kind.TEXT)), new ArrayList<>()));
    }
}
