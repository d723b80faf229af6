package io.jmultifd.sw.zlib;

import static org.junit.jupiter.api.Assertions.*;

import io.jmultifd.spi.CompressionMethod;
import io.jmultifd.spi.CorruptPayloadException;
import io.jmultifd.spi.contract.TestPages;
import io.jmultifd.sw.Deflate;
import io.jmultifd.sw.PacketMethodContract;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;

class ZlibMethodTest extends PacketMethodContract {
    @Override
    protected CompressionMethod method() {
        return new ZlibMethod();
    }

    @Override
    protected String levelParameter() {
        return ZlibMethod.LEVEL;
    }

    @Override
    protected byte[] stream(byte[] content) {
        return Deflate.compress(content, 6, Deflater.DEFAULT_STRATEGY, false);
    }

    @Test
    void decodesZlibStreamsOfEveryLevelAndStrategy() throws Exception {
        List<MemorySegment> pages = gen.mixed(6);
        byte[] content = Deflate.concat(pages);
        for (int level = 0; level <= 9; level++) {
            for (int strategy : new int[] {Deflater.DEFAULT_STRATEGY, Deflater.FILTERED, Deflater.HUFFMAN_ONLY}) {
                List<MemorySegment> targets = gen.targets(6);
                receiver.decode(segment(Deflate.compress(content, level, strategy, false)), targets);
                TestPages.assertSamePages(pages, targets);
            }
        }
    }

    @Test
    void namesThePageWhereTheStreamRunsOut() {
        CorruptPayloadException fewer = rejects(segment(stream(Deflate.concat(gen.mixed(2)))), 3);
        assertEquals(2, fewer.pageIndex());
        assertTrue(fewer.getMessage().contains("ends after 0 of the page's 4096 bytes"), fewer.getMessage());
        byte[] content = Arrays.copyOf(Deflate.concat(gen.mixed(3)), 3 * PAGE - 100);
        CorruptPayloadException shortLast = rejects(segment(stream(content)), 3);
        assertEquals(2, shortLast.pageIndex());
        assertTrue(shortLast.getMessage().contains("ends after " + (PAGE - 100)), shortLast.getMessage());
    }

    @Test
    void namesThePageWhereATruncatedPayloadEnds() {
        List<MemorySegment> pages = List.of(gen.page(TestPages.Kind.RANDOM), gen.page(TestPages.Kind.RANDOM),
                gen.page(TestPages.Kind.RANDOM));
        MemorySegment full = encode(sender, pages);
        // random pages are stored nearly 1:1, so the middle of the payload is inside page 1
        CorruptPayloadException e = rejects(full.asSlice(0, full.byteSize() / 2), 3);
        assertEquals(1, e.pageIndex());
        assertTrue(e.getMessage().contains("ends inside the page"), e.getMessage());
        CorruptPayloadException noChecksum = rejects(full.asSlice(0, full.byteSize() - 2), 3);
        assertEquals(-1, noChecksum.pageIndex());
    }

    @Test
    void wrongChecksumIsDetected() {
        byte[] s = stream(Deflate.concat(gen.mixed(3)));
        s[s.length - 1] ^= 1;
        CorruptPayloadException e = rejects(segment(s), 3);
        assertTrue(e.getMessage().contains("invalid zlib stream"), e.getMessage());
    }

    @Test
    void boundCoversAPacketAndOnlyOne() {
        assertEquals(0, receiver.maxPayloadSize(0));
        assertTrue(receiver.maxPayloadSize(1) > PAGE);
        assertEquals(ZlibMethod.deflateBound(7L * PAGE), receiver.maxPayloadSize(7));
        assertEquals("java", method().tiers().get(0).tier());
        assertTrue(method().tiers().get(0).available());
    }
}
