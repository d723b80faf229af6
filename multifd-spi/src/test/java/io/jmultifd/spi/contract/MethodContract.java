package io.jmultifd.spi.contract;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jmultifd.spi.ChannelContext;
import io.jmultifd.spi.ChannelReceiver;
import io.jmultifd.spi.ChannelSender;
import io.jmultifd.spi.CompressionMethod;
import io.jmultifd.spi.CorruptPayloadException;
import io.jmultifd.spi.MethodCapability;
import io.jmultifd.spi.MethodParameters;
import io.jmultifd.spi.MethodStatistics;
import io.jmultifd.spi.PacketDelivery;
import io.jmultifd.spi.contract.TestPages.Kind;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What every compression method must do, whatever its format: the tests the engine's own methods ({@code none},
 * {@code zlib}, {@code zstd}, {@code qpl}) run, published in multifd-spi's test jar so that a third party runs
 * them on its method by extending this class (see multifd-spi/README.md).
 *
 * <p>A method's channels round-trip every kind of page byte for byte, within {@code maxPayloadSize}; pages that
 * change while they are encoded still give a payload that decodes; a payload that is not what the sender made
 * (random, cut short, too long, bytes flipped) is rejected with a {@link CorruptPayloadException}, or decoded to
 * some content, but never written outside the target pages; {@code close()} is idempotent and final; the
 * default parameters pass the method's own check; and a method that declares
 * {@link MethodCapability#RECEIVES_RAW_PAGES_IN_PLACE} sends exactly the pages.
 *
 * <p>Pages are {@value #PAGE} bytes, at most {@value #MAX} per packet. A subclass may override a test to assert
 * more (the zlib and zstd tests do), never to assert less.
 */
public abstract class MethodContract {
    protected static final int PAGE = 4096;
    protected static final int MAX = 64;

    protected Arena arena;
    protected TestPages gen;
    protected ChannelSender sender;
    protected ChannelReceiver receiver;

    /** The method under test. */
    protected abstract CompressionMethod method();

    /** Parameters every channel of these tests gets, e.g. a tier pinned; none by default. */
    protected Map<String, String> parameters() {
        return Map.of();
    }

    /**
     * How the channels of these tests deliver packets: {@link PacketDelivery#INDEPENDENT} (a snapshot file's pages)
     * unless a subclass tests a method's in-order channel stream ({@link PacketDelivery#IN_ORDER}, a migration).
     */
    protected PacketDelivery delivery() {
        return PacketDelivery.INDEPENDENT;
    }

    /** A channel context with {@link #parameters()}, plus the given name/value pairs. */
    protected ChannelContext context(String... extraParameters) {
        Map<String, String> values = new TreeMap<>(parameters());
        values.putAll(MethodParameters.of(extraParameters).asMap());
        return new ChannelContext(0, PAGE, MAX, new MethodParameters(values), delivery());
    }

    /**
     * Before a trial that decodes a payload the sender's first packet (again): an in-order receiver that has
     * decoded, or refused, a packet is in the middle of its channel's stream, so it is replaced by a fresh one.
     */
    protected void freshReceiverIfInOrder() {
        if (delivery() == PacketDelivery.IN_ORDER) {
            receiver.close();
            receiver = method().newReceiver(context());
        }
    }

    @BeforeEach
    protected void openChannels() {
        arena = Arena.ofShared();
        gen = new TestPages(arena, PAGE, 99);
        sender = method().newSender(context());
        receiver = method().newReceiver(context());
    }

    @AfterEach
    protected void closeChannels() {
        sender.close();
        receiver.close();
        arena.close();
    }

    /** Encodes with {@code s}, checks the length it returns and the bound, and gives the payload as the wire would. */
    protected MemorySegment encode(ChannelSender s, List<MemorySegment> pages) {
        List<MemorySegment> out = new ArrayList<>();
        long length = s.encode(pages, out);
        MemorySegment payload = gen.concat(out);
        assertEquals(length, payload.byteSize());
        assertTrue(length <= receiver.maxPayloadSize(pages.size()), "payload within maxPayloadSize");
        return payload;
    }

    protected MemorySegment segment(byte[] bytes) {
        return arena.allocateFrom(ValueLayout.JAVA_BYTE, bytes);
    }

    /** Decoding {@code payload} into {@code pages} guarded pages fails, naming a page of the packet or none. */
    protected CorruptPayloadException rejects(MemorySegment payload, int pages) {
        GuardedTargets targets = new GuardedTargets(arena, pages, PAGE);
        CorruptPayloadException e = assertThrows(CorruptPayloadException.class,
                () -> receiver.decode(payload, targets.pages()));
        targets.assertGuardsIntact();
        assertTrue(e.pageIndex() >= -1 && e.pageIndex() < pages, "page index " + e.pageIndex());
        return e;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, MAX})
    public void roundTripsMixedBatches(int n) throws Exception {
        for (int round = 0; round < 3; round++) {
            List<MemorySegment> pages = gen.mixed(n);
            MemorySegment payload = encode(sender, pages);
            GuardedTargets targets = new GuardedTargets(arena, n, PAGE);
            receiver.decode(payload, targets.pages());
            TestPages.assertSamePages(pages, targets.pages());
            targets.assertGuardsIntact();
        }
    }

    @Test
    public void roundTripsIncompressiblePages() throws Exception {
        List<MemorySegment> pages = new ArrayList<>();
        for (int i = 0; i < MAX; i++) {
            pages.add(gen.page(Kind.RANDOM));
        }
        MemorySegment payload = encode(sender, pages);
        List<MemorySegment> targets = gen.targets(MAX);
        receiver.decode(payload, targets);
        TestPages.assertSamePages(pages, targets);
    }

    @Test
    public void emptyPacket() throws Exception {
        List<MemorySegment> out = new ArrayList<>();
        assertEquals(0, sender.encode(List.of(), out));
        assertTrue(out.isEmpty());
        receiver.decode(MemorySegment.NULL, List.of());
        assertEquals(-1, assertThrows(CorruptPayloadException.class,
                () -> receiver.decode(segment(new byte[3]), List.of())).pageIndex());
    }

    @Test
    public void rejectsRandomBytes() {
        byte[] junk = new byte[5000];
        new SplittableRandom(5).nextBytes(junk);
        rejects(segment(junk), 3);
    }

    @Test
    public void rejectsTruncatedPayloads() {
        MemorySegment full = encode(sender, gen.mixed(5));
        for (long cut : new long[] {1, 4, full.byteSize() / 2, full.byteSize() - 1}) {
            freshReceiverIfInOrder();
            CorruptPayloadException e = rejects(full.asSlice(0, full.byteSize() - cut), 5);
            assertNotNull(e.getMessage());
        }
    }

    /** A flipped byte may go unnoticed by a format without checks, but must never make a decode write elsewhere. */
    @Test
    public void rejectsCorruptedBytes() {
        MemorySegment full = encode(sender, gen.mixed(5));
        byte[] bytes = full.toArray(ValueLayout.JAVA_BYTE);
        SplittableRandom r = new SplittableRandom(17);
        for (int trial = 0; trial < 50; trial++) {
            byte[] copy = bytes.clone();
            int at = r.nextInt(copy.length);
            copy[at] ^= (byte) (1 + r.nextInt(255));
            GuardedTargets targets = new GuardedTargets(arena, 5, PAGE);
            freshReceiverIfInOrder();
            try {
                receiver.decode(segment(copy), targets.pages());
            } catch (CorruptPayloadException e) {
                assertTrue(e.pageIndex() >= -1 && e.pageIndex() < 5, "page index " + e.pageIndex());
            }
            targets.assertGuardsIntact();
        }
    }

    /**
     * Where packets must decode on their own (a snapshot file restores any page with any channel, in any order),
     * each does: decoded backwards by one receiver, and each by a fresh receiver.
     */
    @Test
    public void independentPacketsDecodeAloneInAnyOrder() throws Exception {
        assumeTrue(delivery() == PacketDelivery.INDEPENDENT, "packets of an in-order channel may refer to earlier ones");
        List<List<MemorySegment>> packets = new ArrayList<>();
        List<MemorySegment> payloads = new ArrayList<>();
        List<MemorySegment> repeated = gen.mixed(6);
        for (int p = 0; p < 4; p++) {
            // the same pages again: a method that chained packets would send the later ones as references
            List<MemorySegment> pages = p % 2 == 0 ? gen.mixed(6) : repeated;
            packets.add(pages);
            payloads.add(encode(sender, pages)); // a copy: it outlives the next encode
        }
        for (int p = packets.size() - 1; p >= 0; p--) {
            List<MemorySegment> targets = gen.targets(6);
            receiver.decode(payloads.get(p), targets);
            TestPages.assertSamePages(packets.get(p), targets);
            try (ChannelReceiver alone = method().newReceiver(context())) {
                List<MemorySegment> again = gen.targets(6);
                alone.decode(payloads.get(p), again);
                TestPages.assertSamePages(packets.get(p), again);
            }
        }
    }

    @Test
    public void rejectsPayloadLongerThanTheBound() {
        rejects(arena.allocate(receiver.maxPayloadSize(2) + 1), 2);
    }

    /** One page and several: encoders may take a single-call path for one page (libzstd does). */
    @ParameterizedTest
    @ValueSource(ints = {1, 8})
    public void pagesChangingWhileCompressedStillGiveAValidPayload(int n) throws Exception {
        List<MemorySegment> pages = gen.mixed(n);
        AtomicBoolean stop = new AtomicBoolean();
        Thread guest = Thread.ofPlatform().start(() -> {
            SplittableRandom r = new SplittableRandom(3);
            while (!stop.get()) {
                MemorySegment p = pages.get(r.nextInt(pages.size()));
                p.set(ValueLayout.JAVA_LONG_UNALIGNED, r.nextInt(PAGE / 8) * 8L, r.nextLong(16));
            }
        });
        try {
            for (int i = 0; i < 100; i++) {
                GuardedTargets targets = new GuardedTargets(arena, pages.size(), PAGE);
                receiver.decode(encode(sender, pages), targets.pages());
                targets.assertGuardsIntact();
            }
        } finally {
            stop.set(true);
            guest.join();
        }
    }

    @Test
    public void closeIsIdempotentAndFinal() {
        ChannelSender s = method().newSender(context());
        s.close();
        s.close();
        assertThrows(IllegalStateException.class, () -> s.encode(List.of(gen.page(Kind.TEXT)), new ArrayList<>()));
        ChannelReceiver r = method().newReceiver(context());
        r.close();
        r.close();
        assertThrows(IllegalStateException.class, () -> r.decode(segment(new byte[8]), gen.targets(1)));
    }

    @Test
    public void statisticsAreNamedCountersThatNeverGoBack() throws Exception {
        MethodStatistics sentBefore = sender.statistics();
        MethodStatistics receivedBefore = receiver.statistics();
        List<MemorySegment> pages = gen.mixed(9);
        receiver.decode(encode(sender, pages), gen.targets(9));
        for (MethodStatistics[] beforeAfter : new MethodStatistics[][] {{sentBefore, sender.statistics()},
                {receivedBefore, receiver.statistics()}}) {
            assertNotNull(beforeAfter[1]);
            beforeAfter[1].counters().forEach((name, value) -> {
                assertFalse(name.isBlank(), "a counter without a name in " + beforeAfter[1]);
                assertTrue(value >= beforeAfter[0].get(name), name + " went back: " + beforeAfter[0] + " then "
                        + beforeAfter[1]);
            });
        }
    }

    @Test
    public void nameAndDefaultParametersAreUsable() {
        CompressionMethod m = method();
        assertFalse(m.name().isBlank() || m.name().chars().anyMatch(Character::isWhitespace),
                "the name selects the method in multifd-compression=NAME: '" + m.name() + "'");
        Map<String, String> defaults = m.parameterDefaults();
        Map<String, String> handshake = assertDoesNotThrow(
                () -> m.handshakeParameters(new MethodParameters(defaults)), "the defaults pass the method's check");
        assertTrue(defaults.keySet().containsAll(handshake.keySet()),
                "the handshake carries only parameters of the method: " + handshake.keySet() + " declared "
                        + defaults.keySet());
        assertFalse(m.tiers().isEmpty(), "a method runs on at least one tier");
    }

    /** The engine reads such a method's payload straight into the destination pages: it must be the pages. */
    @Test
    public void receivingRawPagesInPlaceMeansThePayloadIsThePages() throws Exception {
        assumeTrue(method().capabilities().contains(MethodCapability.RECEIVES_RAW_PAGES_IN_PLACE),
                "the method does not declare " + MethodCapability.RECEIVES_RAW_PAGES_IN_PLACE);
        for (int n : new int[] {1, 7, MAX}) {
            List<MemorySegment> pages = gen.mixed(n);
            MemorySegment payload = encode(sender, pages);
            assertEquals((long) n * PAGE, payload.byteSize());
            List<MemorySegment> targets = gen.targets(n);
            for (int i = 0; i < n; i++) {
                assertEquals(-1, payload.asSlice((long) i * PAGE, PAGE).mismatch(pages.get(i)), "page " + i);
                targets.get(i).copyFrom(payload.asSlice((long) i * PAGE, PAGE));
            }
            receiver.receivedInPlace(targets);
        }
    }
}
