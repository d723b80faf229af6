package io.jmultifd.sw.zstd;

import static org.junit.jupiter.api.Assertions.*;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import io.jmultifd.spi.CompressionMethod;
import io.jmultifd.spi.CorruptPayloadException;
import io.jmultifd.spi.TierStatus;
import io.jmultifd.spi.contract.TestPages;
import io.jmultifd.sw.Deflate;
import io.jmultifd.sw.PacketMethodContract;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code zstd} where every packet must decode on its own (the contract's default delivery, as a snapshot file's
 * pages): a frame per packet, whatever {@code zstd-stream} says. The channel stream of a migration is
 * {@link ZstdChannelStreamTest}.
 */
class ZstdMethodTest extends PacketMethodContract {
    @Override
    protected CompressionMethod method() {
        return new ZstdMethod();
    }

    @Override
    protected String levelParameter() {
        return ZstdMethod.LEVEL;
    }

    @Override
    protected byte[] stream(byte[] content) {
        return Zstd.compress(content, 3);
    }

    /** zstd-stream=channel by default, which the receiver must expect: it travels. */
    @Override
    protected java.util.Map<String, String> defaultHandshake() {
        return java.util.Map.of(ZstdMethod.STREAM, ZstdMethod.STREAM_CHANNEL);
    }

    @Test
    void decodesFramesOfOtherLevels() throws Exception {
        List<MemorySegment> pages = gen.mixed(6);
        byte[] content = Deflate.concat(pages);
        for (int level : new int[] {-5, 1, 3, 12, 19, 22}) {
            List<MemorySegment> targets = gen.targets(6);
            receiver.decode(segment(Zstd.compress(content, level)), targets);
            TestPages.assertSamePages(pages, targets);
        }
    }

    @Test
    void wrongSizedFrameIsRefusedBeforeAnyPageIsWritten() {
        io.jmultifd.spi.contract.GuardedTargets targets = new io.jmultifd.spi.contract.GuardedTargets(arena, 3, PAGE);
        CorruptPayloadException e = assertThrows(CorruptPayloadException.class,
                () -> receiver.decode(segment(stream(Deflate.concat(gen.mixed(2)))), targets.pages()));
        targets.assertUntouched();
        assertEquals(-1, e.pageIndex());
        assertTrue(e.getMessage().contains("declares " + 2 * PAGE) && e.getMessage().contains(3 * PAGE + ""),
                e.getMessage());
    }

    @Test
    void frameWithoutContentSizeIsRefused() {
        byte[] content = Deflate.concat(gen.mixed(3));
        byte[] frame;
        try (ZstdCompressCtx ctx = new ZstdCompressCtx()) {
            ctx.setLevel(1);
            ctx.setContentSize(false);
            frame = ctx.compress(content);
        }
        CorruptPayloadException e = rejects(segment(frame), 3);
        assertEquals(-1, e.pageIndex());
        assertTrue(e.getMessage().contains("does not declare its content size"), e.getMessage());
    }

    @Test
    void namesThePageWhereATruncatedPayloadEnds() {
        List<MemorySegment> pages = List.of(gen.page(TestPages.Kind.RANDOM), gen.page(TestPages.Kind.RANDOM),
                gen.page(TestPages.Kind.RANDOM));
        MemorySegment full = encode(sender, pages);
        CorruptPayloadException e = rejects(full.asSlice(0, full.byteSize() / 2), 3);
        assertTrue(e.pageIndex() >= 0, e.getMessage());
        assertTrue(e.getMessage().contains("ends inside the page"), e.getMessage());
    }

    @Test
    void randomBytesAreNotAFrame() {
        byte[] junk = new byte[300];
        new java.util.SplittableRandom(8).nextBytes(junk);
        junk[0] = 0; // not the zstd magic
        CorruptPayloadException e = rejects(segment(junk), 2);
        assertEquals(-1, e.pageIndex());
        assertTrue(e.getMessage().contains("does not start with a valid frame header"), e.getMessage());
    }

    @Test
    void nativeTierIsReported() {
        List<TierStatus> tiers = method().tiers();
        assertEquals(1, tiers.size());
        assertEquals("native", tiers.get(0).tier());
        assertTrue(tiers.get(0).available(), tiers.get(0).detail());
        assertTrue(tiers.get(0).detail().contains("loaded"), tiers.get(0).detail());
        assertEquals("loaded", method().diagnostics().get("native"));
    }

    @Test
    void levelRangeIsQemusAndInsideLibzstds() {
        assertTrue(ZstdMethod.MIN_LEVEL >= Zstd.minCompressionLevel());
        assertTrue(ZstdMethod.MAX_LEVEL <= Zstd.maxCompressionLevel());
        assertThrows(IllegalArgumentException.class,
                () -> method().handshakeParameters(io.jmultifd.spi.MethodParameters.of(ZstdMethod.LEVEL, "21")));
        method().handshakeParameters(io.jmultifd.spi.MethodParameters.of(ZstdMethod.LEVEL, "20"));
    }

    @Test
    void heapMemoryIsRefusedWithAClearMessage() {
        MemorySegment heapPage = MemorySegment.ofArray(new byte[PAGE]);
        IllegalArgumentException send = assertThrows(IllegalArgumentException.class,
                () -> sender.encode(List.of(heapPage), new java.util.ArrayList<>()));
        assertTrue(send.getMessage().contains("page 0 is on the heap"), send.getMessage());
        MemorySegment frame = segment(stream(new byte[PAGE]));
        IllegalArgumentException target = assertThrows(IllegalArgumentException.class,
                () -> receiver.decode(frame, List.of(heapPage)));
        assertTrue(target.getMessage().contains("target 0 is on the heap"), target.getMessage());
        IllegalArgumentException payload = assertThrows(IllegalArgumentException.class,
                () -> receiver.decode(MemorySegment.ofArray(stream(new byte[PAGE])), gen.targets(1)));
        assertTrue(payload.getMessage().contains("payload is on the heap"), payload.getMessage());
    }

    /** Rewrites the Frame_Content_Size field of a single frame (RFC 8878 3.1.1.1) to {@code size}. */
    static byte[] withDeclaredSize(byte[] frame, long size) {
        byte[] f = frame.clone();
        int descriptor = f[4] & 0xFF;
        int fcsFlag = descriptor >>> 6;
        boolean singleSegment = (descriptor & 0x20) != 0;
        int dictIdBytes = new int[] {0, 1, 2, 4}[descriptor & 3];
        int at = 5 + (singleSegment ? 0 : 1) + dictIdBytes;
        int fcsBytes = new int[] {singleSegment ? 1 : 0, 2, 4, 8}[fcsFlag];
        long stored = fcsBytes == 2 ? size - 256 : size;
        assertTrue(fcsBytes >= 2 && stored >= 0 && stored < (1L << (8 * fcsBytes)), "field can hold " + size);
        for (int i = 0; i < fcsBytes; i++) {
            f[at + i] = (byte) (stored >>> (8 * i));
        }
        return f;
    }

    @Test
    void frameWhoseBlocksHoldMoreThanItsHeaderSaysIsRejected() {
        byte[] fourPages = Deflate.bytes(encode(sender, gen.mixed(4)));
        byte[] lying = withDeclaredSize(fourPages, 3L * PAGE);
        assertEquals(3L * PAGE, Zstd.getFrameContentSize(lying), "header now says 3 pages");
        CorruptPayloadException e = rejects(segment(lying), 3);
        assertTrue(e.getMessage().contains("invalid zstd frame") && e.getMessage().contains("zstd error")
                && !e.getMessage().contains("No error detected"), e.getMessage());
    }

    @Test
    void frameWhoseBlocksHoldLessThanItsHeaderSaysIsRejected() {
        byte[] threePages = Deflate.bytes(encode(sender, gen.mixed(3)));
        byte[] lying = withDeclaredSize(threePages, 4L * PAGE);
        assertEquals(4L * PAGE, Zstd.getFrameContentSize(lying), "header now says 4 pages");
        CorruptPayloadException e = rejects(segment(lying), 4);
        assertTrue(e.getMessage().contains("invalid zstd frame") && e.getMessage().contains("zstd error")
                && !e.getMessage().contains("No error detected"), e.getMessage());
    }
}
