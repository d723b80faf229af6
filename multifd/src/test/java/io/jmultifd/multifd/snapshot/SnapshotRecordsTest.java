package io.jmultifd.multifd.snapshot;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The file's records on their own: round trips, the layout's offsets, and limits checked before use. */
class SnapshotRecordsTest {
    private static SnapshotHeader header(int layout) {
        return SnapshotHeader.layOut(layout, 4096, "qpl", Map.of("qpl-huffman", "fixed"),
                List.of(Map.entry("pc.ram", 3L << 20), Map.entry("vga", 4096L * 3)));
    }

    @Test
    void headerRoundTripsAndPlacesPagesOnMebibyteBoundaries() throws Exception {
        for (int layout : new int[] {SnapshotFormat.LAYOUT_RAW, SnapshotFormat.LAYOUT_COMPRESSED}) {
            SnapshotHeader h = header(layout);
            ByteBuffer bytes = h.encode();
            assertEquals(bytes.remaining(), SnapshotHeader.headerLength(bytes.duplicate(), "f"));
            assertEquals(h, SnapshotHeader.decode(bytes, "f"));
            if (layout == SnapshotFormat.LAYOUT_COMPRESSED) {
                assertEquals(0, h.dataOffset() % SnapshotFormat.REGION_ALIGNMENT);
            }
            if (layout == SnapshotFormat.LAYOUT_RAW) {
                assertEquals(1 << 20, h.blocks().get(0).pagesOffset());
                assertEquals(4 << 20, h.blocks().get(1).pagesOffset());
                assertEquals((4 << 20) + 4096 * 3, h.dataOffset());
            }
            assertTrue(h.blocks().get(0).tableOffset() >= h.completionOffset()
                    + SnapshotCompletion.encodedLength(2));
        }
    }

    @Test
    void anOffsetThatDoesNotFollowTheLayoutIsRefusedEvenWithAValidCrc() {
        SnapshotHeader h = header(SnapshotFormat.LAYOUT_RAW);
        SnapshotHeader.Block b = h.blocks().get(1);
        SnapshotHeader forged = new SnapshotHeader(h.layout(), h.pageSize(), h.method(), h.methodParameters(),
                List.of(h.blocks().get(0), new SnapshotHeader.Block(b.name(), b.size(), b.tableOffset(), 1L << 40)),
                h.completionOffset(), h.dataOffset());
        SnapshotException e = assertThrows(SnapshotException.class, () -> SnapshotHeader.decode(forged.encode(), "f"));
        assertTrue(e.getMessage().contains("offsets do not follow the layout"), e.getMessage());
    }

    @Test
    void aBlockSizeThatIsNoPageMultipleIsRefused() {
        SnapshotHeader h = SnapshotHeader.layOut(SnapshotFormat.LAYOUT_RAW, 4096, "none", Map.of(),
                List.of(Map.entry("odd", 4096L)));
        SnapshotHeader bad = new SnapshotHeader(h.layout(), 4096, "none", Map.of(),
                List.of(new SnapshotHeader.Block("odd", 5000, h.blocks().get(0).tableOffset(),
                        h.blocks().get(0).pagesOffset())), h.completionOffset(), h.dataOffset());
        SnapshotException e = assertThrows(SnapshotException.class, () -> SnapshotHeader.decode(bad.encode(), "f"));
        assertTrue(e.getMessage().contains("block odd has size 5000"), e.getMessage());
    }

    @Test
    void aHeaderLengthBeyondTheLimitIsRefusedBeforeAnythingIsRead() {
        ByteBuffer first = ByteBuffer.allocate(12).putInt(SnapshotFormat.MAGIC_HEADER).putShort((short) 1)
                .putShort((short) 1).putInt(Integer.MAX_VALUE).flip();
        SnapshotException e = assertThrows(SnapshotException.class, () -> SnapshotHeader.headerLength(first, "f"));
        assertTrue(e.getMessage().contains("length 2147483647 outside"), e.getMessage());
    }

    @Test
    void completionRoundTripsAndItsBlockCountMustBeTheHeaders() throws Exception {
        SnapshotCompletion c = new SnapshotCompletion(123456, 3, List.of(new SnapshotCompletion.Block(0xFFFFFFFFL, 7, 9),
                new SnapshotCompletion.Block(1, 0x80000000L, 0)));
        assertEquals(c, SnapshotCompletion.decode(c.encode(), 2, "f"));
        SnapshotException e = assertThrows(SnapshotException.class, () -> SnapshotCompletion.decode(c.encode(), 3, "f"));
        assertTrue(e.getMessage().contains("cut short"), e.getMessage());
    }

    @Test
    void aTableIndexEntryOutsideTheDataRegionNamesBlockAndPage() throws Exception {
        java.nio.file.Path f = java.nio.file.Files.createTempFile("table", ".bin");
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(f,
                java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)) {
            BlockTable t = new BlockTable(SnapshotFormat.LAYOUT_COMPRESSED, 100);
            t.storeCompressed(42, 5000, 300, 1);
            long crc = t.write(ch, 0);
            assertEquals(42, countStored(BlockTable.read(ch, 0, SnapshotFormat.LAYOUT_COMPRESSED, 100, crc, "b",
                    4096, 8192, 9000)));
            SnapshotException e = assertThrows(SnapshotException.class, () -> BlockTable.read(ch, 0,
                    SnapshotFormat.LAYOUT_COMPRESSED, 100, crc, "b", 4096, 5200, 9000));
            assertTrue(e.getMessage().contains("block b page 42"), e.getMessage());
        } finally {
            java.nio.file.Files.delete(f);
        }
    }

    private static long countStored(BlockTable t) {
        for (long p = 0; p < t.pageCount(); p++) {
            if (t.stored(p)) {
                return p;
            }
        }
        return -1;
    }
}
