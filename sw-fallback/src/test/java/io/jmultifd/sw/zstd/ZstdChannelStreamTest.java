package io.jmultifd.sw.zstd;

import static org.junit.jupiter.api.Assertions.*;

import com.github.luben.zstd.EndDirective;
import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import io.jmultifd.spi.ChannelReceiver;
import io.jmultifd.spi.ChannelSender;
import io.jmultifd.spi.CompressionMethod;
import io.jmultifd.spi.CorruptPayloadException;
import io.jmultifd.spi.MethodParameters;
import io.jmultifd.spi.PacketDelivery;
import io.jmultifd.spi.contract.GuardedTargets;
import io.jmultifd.spi.contract.MethodContract;
import io.jmultifd.spi.contract.TestPages;
import io.jmultifd.sw.Deflate;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code zstd} on a migration channel ({@link PacketDelivery#IN_ORDER}) with {@code zstd-stream=channel}, the
 * default: one frame for the channel, flushed at each packet's end, as QEMU's multifd-zstd. The method contract,
 * plus what the stream must do: later packets refer to earlier ones, each packet decodes when it comes, and a
 * packet that is not a flushed part of that one frame is refused for what it is.
 */
class ZstdChannelStreamTest extends MethodContract {
    @Override
    protected CompressionMethod method() {
        return new ZstdMethod();
    }

    @Override
    protected PacketDelivery delivery() {
        return PacketDelivery.IN_ORDER;
    }

    /** A channel stream made with zstd-jni directly, not by the sender under test: one flushed part per packet. */
    private static List<byte[]> streamOf(int level, int windowLog, byte[]... packets) {
        List<byte[]> parts = new ArrayList<>();
        try (ZstdCompressCtx ctx = new ZstdCompressCtx()) {
            ctx.setLevel(level);
            if (windowLog > 0) {
                ctx.setWindowLog(windowLog);
            }
            ByteBuffer out = ByteBuffer.allocateDirect(1 << 20);
            for (byte[] packet : packets) {
                ByteBuffer in = ByteBuffer.allocateDirect(packet.length).put(packet).flip();
                out.clear();
                while (!ctx.compressDirectByteBufferStream(out, in, EndDirective.FLUSH)) {
                    // until flushed
                }
                byte[] part = new byte[out.flip().remaining()];
                out.get(part);
                parts.add(part);
            }
        }
        return parts;
    }

    private static List<byte[]> streamOf(byte[]... packets) {
        return streamOf(3, 0, packets);
    }

    @Test
    void laterPacketsReferToEarlierOnes() throws Exception {
        List<MemorySegment> pages = gen.mixed(16);
        MemorySegment first = encode(sender, pages);
        MemorySegment second = encode(sender, pages);
        assertTrue(second.byteSize() * 10 < first.byteSize(), "the same pages again are a few matches: "
                + second.byteSize() + " bytes after " + first.byteSize());
        for (MemorySegment payload : List.of(first, second)) {
            List<MemorySegment> targets = gen.targets(16);
            receiver.decode(payload, targets);
            TestPages.assertSamePages(pages, targets);
        }
    }

    @Test
    void aFramePerPacketWhereItWasAskedFor() throws Exception {
        try (ChannelSender perPacket = method().newSender(context(ZstdMethod.STREAM, ZstdMethod.STREAM_PACKET));
             ChannelReceiver alone = method().newReceiver(context(ZstdMethod.STREAM, ZstdMethod.STREAM_PACKET))) {
            List<MemorySegment> pages = gen.mixed(16);
            MemorySegment first = encode(perPacket, pages);
            MemorySegment second = encode(perPacket, pages);
            assertEquals(first.byteSize(), second.byteSize(), "each packet is a frame of its own");
            List<MemorySegment> targets = gen.targets(16);
            alone.decode(second, targets);
            TestPages.assertSamePages(pages, targets);
        }
    }

    @Test
    void aPacketDecodesOnlyAfterTheOnesBeforeIt() throws Exception {
        encode(sender, gen.mixed(4));
        MemorySegment second = encode(sender, gen.mixed(4));
        CorruptPayloadException e = rejects(second, 4);
        assertTrue(e.getMessage().contains("does not start with a frame header"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 3, 9, 19, 20})
    void everyLevelStreamsWithinTheWindowLimit(int level) throws Exception {
        try (ChannelSender s = method().newSender(context(ZstdMethod.LEVEL, Integer.toString(level)));
             ChannelReceiver r = method().newReceiver(context())) {
            for (int packet = 0; packet < 3; packet++) {
                List<MemorySegment> pages = gen.mixed(11);
                List<MemorySegment> targets = gen.targets(11);
                r.decode(encode(s, pages), targets);
                TestPages.assertSamePages(pages, targets);
            }
        }
    }

    @Test
    void decodesAStreamMadeIndependently() throws Exception {
        List<List<MemorySegment>> packets = List.of(gen.mixed(5), gen.mixed(1), gen.mixed(MAX));
        List<byte[]> parts = streamOf(Deflate.concat(packets.get(0)), Deflate.concat(packets.get(1)),
                Deflate.concat(packets.get(2)));
        for (int p = 0; p < packets.size(); p++) {
            List<MemorySegment> targets = gen.targets(packets.get(p).size());
            receiver.decode(segment(parts.get(p)), targets);
            TestPages.assertSamePages(packets.get(p), targets);
        }
        assertEquals(5L + 1 + MAX, receiver.statistics().get("pages"));
    }

    @Test
    void aFramePerPacketIsRefusedNamingTheParameter() {
        byte[] frame = Zstd.compress(Deflate.concat(gen.mixed(3)), 1); // content size declared, as zstd-stream=packet
        CorruptPayloadException e = rejects(segment(frame), 3);
        assertEquals(-1, e.pageIndex());
        assertTrue(e.getMessage().contains("declares its content size")
                && e.getMessage().contains(ZstdMethod.STREAM + "=" + ZstdMethod.STREAM_PACKET), e.getMessage());
    }

    @Test
    void aPacketThatEndsTheFrameIsRefused() {
        byte[] frame;
        try (ZstdCompressCtx ctx = new ZstdCompressCtx()) {
            ctx.setLevel(1);
            ctx.setContentSize(false);
            frame = ctx.compress(Deflate.concat(gen.mixed(3)));
        }
        CorruptPayloadException e = rejects(segment(frame), 3);
        assertEquals(-1, e.pageIndex());
        assertTrue(e.getMessage().contains("ends the frame"), e.getMessage());
    }

    @Test
    void aWindowBeyondTheHighestLevelsIsRefusedBeforeDecoding() {
        byte[] part = streamOf(1, 26, Deflate.concat(gen.mixed(2))).get(0);
        GuardedTargets targets = new GuardedTargets(arena, 2, PAGE);
        CorruptPayloadException e = assertThrows(CorruptPayloadException.class,
                () -> receiver.decode(segment(part), targets.pages()));
        targets.assertUntouched();
        assertTrue(e.getMessage().contains("window of " + (1 << 26) + " bytes"), e.getMessage());
    }

    @Test
    void truncatedPacketsAreRefusedBeforeAnyPageIsWritten() {
        List<MemorySegment> first = List.of(gen.page(TestPages.Kind.RANDOM), gen.page(TestPages.Kind.TEXT));
        MemorySegment full = encode(sender, first);
        for (long keep : new long[] {full.byteSize() - 1, full.byteSize() / 2, 20, 8}) {
            freshReceiverIfInOrder();
            GuardedTargets targets = new GuardedTargets(arena, 2, PAGE);
            CorruptPayloadException e = assertThrows(CorruptPayloadException.class,
                    () -> receiver.decode(full.asSlice(0, keep), targets.pages()));
            targets.assertUntouched();
            assertEquals(-1, e.pageIndex());
            assertTrue(e.getMessage().contains("ends inside") || e.getMessage().contains("holds no block"),
                    e.getMessage());
        }
    }

    @Test
    void trailingBytesAreRefused() {
        byte[] part = streamOf(Deflate.concat(gen.mixed(3))).get(0);
        CorruptPayloadException e = rejects(segment(Arrays.copyOf(part, part.length + 5)), 3);
        assertEquals(-1, e.pageIndex());
        assertTrue(e.getMessage().contains("ends inside"), e.getMessage());
    }

    @Test
    void aPacketOfMorePagesIsRefused() {
        byte[] fourPages = streamOf(Deflate.concat(gen.mixed(4))).get(0);
        CorruptPayloadException e = rejects(segment(fourPages), 3);
        assertEquals(-1, e.pageIndex());
        assertTrue(e.getMessage().contains("holds more than the packet's 3 pages"), e.getMessage());
    }

    @Test
    void aPacketOneByteTooLongIsRefused() {
        byte[] part = streamOf(Arrays.copyOf(Deflate.concat(gen.mixed(3)), 3 * PAGE + 1)).get(0);
        CorruptPayloadException e = rejects(segment(part), 3);
        assertEquals(-1, e.pageIndex());
        assertTrue(e.getMessage().contains("holds more than the packet's 3 pages"), e.getMessage());
    }

    @Test
    void aPacketOfFewerPagesNamesThePageWhereItRunsOut() {
        byte[] twoPages = streamOf(Deflate.concat(gen.mixed(2))).get(0);
        CorruptPayloadException e = rejects(segment(twoPages), 3);
        assertEquals(2, e.pageIndex());
        assertTrue(e.getMessage().contains("ends inside the page"), e.getMessage());
    }

    @Test
    void afterAFailedPacketEveryLaterOneIsRefused() throws Exception {
        List<byte[]> parts = streamOf(Deflate.concat(gen.mixed(4)), Deflate.concat(gen.mixed(2)));
        rejects(segment(parts.get(0)), 3);
        CorruptPayloadException e = rejects(segment(parts.get(1)), 2);
        assertTrue(e.getMessage().contains("cannot go on after an earlier packet failed"), e.getMessage());
    }

    @Test
    void theStreamModeTravelsInTheHandshakeUnlessItIsPacket() {
        assertEquals(Map.of(ZstdMethod.STREAM, ZstdMethod.STREAM_CHANNEL),
                method().handshakeParameters(MethodParameters.of()));
        assertEquals(Map.of(), method().handshakeParameters(
                MethodParameters.of(ZstdMethod.STREAM, ZstdMethod.STREAM_PACKET)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> method().handshakeParameters(MethodParameters.of(ZstdMethod.STREAM, "page")));
        assertTrue(e.getMessage().startsWith(ZstdMethod.STREAM + "=page") && e.getMessage().contains("channel"),
                e.getMessage());
    }
}
