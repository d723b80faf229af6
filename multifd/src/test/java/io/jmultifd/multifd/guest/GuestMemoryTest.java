package io.jmultifd.multifd.guest;

import io.jmultifd.linux.VirtualMemory;
import io.jmultifd.multifd.ram.ZeroPages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GuestMemoryTest {

    @Test
    void dirtyBitmapMarksFetchesAndClears() {
        DirtyBitmap d = new DirtyBitmap(130);
        assertEquals(3, d.wordCount());
        d.markDirty(0);
        d.markDirty(64);
        d.markDirty(129);
        assertEquals(3, d.dirtyCount());
        assertEquals(1L, d.fetchAndClearWord(0));
        assertEquals(0L, d.fetchAndClearWord(0));
        assertEquals(2, d.dirtyCount());
        d.markAll();
        assertEquals(130, d.dirtyCount());
        assertEquals(0b11L, d.fetchAndClearWord(2), "only the two pages that exist in the last word");
        assertThrows(IndexOutOfBoundsException.class, () -> d.markDirty(130));
    }

    @Test
    void writeApiStoresAndMarksEveryTouchedPage() {
        try (RamBlock b = RamBlock.anonymous("ram0", 16 * 4096, 4096); Arena a = Arena.ofConfined()) {
            assertTrue(ZeroPages.isZero(b.memory()));
            MemorySegment src = a.allocate(4096 + 10);
            src.fill((byte) 7);
            b.write(4096 - 5, src); // pages 0, 1 and 2
            assertEquals(3, b.dirty().dirtyCount());
            assertTrue(b.dirty().isDirty(0) && b.dirty().isDirty(1) && b.dirty().isDirty(2));
            assertEquals(7, b.memory().get(ValueLayout.JAVA_BYTE, 4096 - 5));
            b.writeLong(8 * 4096 - 4, 0x0102030405060708L); // straddles pages 7 and 8
            assertTrue(b.dirty().isDirty(7) && b.dirty().isDirty(8));
            assertEquals(0x05, b.memory().get(ValueLayout.JAVA_BYTE, 8 * 4096));
            assertThrows(IndexOutOfBoundsException.class, () -> b.write(16 * 4096 - 1, src));
        }
    }

    /** prealloc backs every page before the block is handed out; the default leaves untouched pages unbacked. */
    @Test
    @org.junit.jupiter.api.condition.EnabledOnOs(value = org.junit.jupiter.api.condition.OS.LINUX, architectures = "amd64")
    void preallocatedBlockIsResidentAndLazyOneIsNot() throws Throwable {
        long size = 64L * 4096;
        try (RamBlock lazy = RamBlock.anonymous("lazy", size, 4096);
             RamBlock eager = RamBlock.anonymous("eager", size, 4096, true)) {
            assertEquals(0, residentBytes(lazy.memory()), "untouched lazy block");
            assertEquals(size, residentBytes(eager.memory()), "preallocated block");
            assertTrue(ZeroPages.isZero(eager.memory()));
        }
    }

    /** For a file-backed block (incoming --output with prealloc) every page is mapped in, content unchanged. */
    @Test
    @org.junit.jupiter.api.condition.EnabledOnOs(value = org.junit.jupiter.api.condition.OS.LINUX, architectures = "amd64")
    void touchingEveryPageMapsAFileBlockInWithoutChangingIt(@TempDir Path dir) throws Throwable {
        long size = 4096L * 4096; // 16 MiB: far more than the kernel reads ahead around the written page
        try (RamBlock b = RamBlock.mapFile("img", dir.resolve("img"), size, 4096)) {
            b.memory().set(ValueLayout.JAVA_BYTE, 5 * 4096L, (byte) 7);
            assertTrue(residentBytes(b.memory()) < size, "only the written page is mapped in yet");
            b.touchEveryPage();
            assertEquals(size, residentBytes(b.memory()));
            byte[] expected = new byte[(int) size];
            expected[5 * 4096] = 7;
            CRC32C crc = new CRC32C();
            crc.update(expected);
            assertEquals(crc.getValue(), b.checksum(), "content unchanged");
        }
    }

    /** Bytes of the segment's pages that are backed by memory now, from mincore(2) (page-exact). */
    private static long residentBytes(MemorySegment segment) throws Throwable {
        return VirtualMemory.residentPages(segment) * VirtualMemory.pageSize();
    }

    @Test
    void badBlocksAreRejected() {
        assertEquals("block ram0: size 5000 must be a positive multiple of the page size 4096",
                assertThrows(IllegalArgumentException.class, () -> RamBlock.anonymous("ram0", 5000, 4096)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> RamBlock.anonymous("", 4096, 4096));
        try (RamBlock a = RamBlock.anonymous("x", 4096, 4096); RamBlock b = RamBlock.anonymous("x", 4096, 4096)) {
            assertEquals("two RAM blocks are called x",
                    assertThrows(IllegalArgumentException.class, () -> GuestMemory.of(a, b)).getMessage());
        }
    }

    @Test
    void checksumIsCrc32cOfTheBlock() {
        try (RamBlock b = RamBlock.anonymous("ram0", 4 * 4096, 4096)) {
            for (long i = 0; i < b.size(); i++) {
                b.memory().set(ValueLayout.JAVA_BYTE, i, (byte) (i * 31));
            }
            CRC32C crc = new CRC32C();
            crc.update(b.memory().toArray(ValueLayout.JAVA_BYTE));
            assertEquals(crc.getValue(), b.checksum());
        }
    }

    @Test
    void fileMappedBlockIsSharedWithTheFile(@TempDir Path dir) throws Exception {
        Path image = dir.resolve("ram0.img");
        try (RamBlock b = RamBlock.mapFile("ram0", image, 8 * 4096)) {
            assertEquals(8 * 4096, Files.size(image), "created and extended");
            assertTrue(ZeroPages.isZero(b.memory()));
            try (Arena a = Arena.ofConfined()) {
                MemorySegment page = a.allocate(4096);
                page.fill((byte) 0x42);
                b.write(3 * 4096, page);
            }
            b.memory().force();
        }
        byte[] content = Files.readAllBytes(image);
        byte[] expected = new byte[4096];
        java.util.Arrays.fill(expected, (byte) 0x42);
        assertArrayEquals(expected, java.util.Arrays.copyOfRange(content, 3 * 4096, 4 * 4096));
        try (RamBlock again = RamBlock.mapFile("ram0", image, 8 * 4096)) {
            assertEquals(0x42, again.memory().get(ValueLayout.JAVA_BYTE, 3 * 4096 + 100));
        }
    }

    @Test
    void zeroPageCheckFindsTheLastByte() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment big = a.allocate(200_000);
            assertTrue(ZeroPages.isZero(big));
            big.set(ValueLayout.JAVA_BYTE, 199_999, (byte) 1);
            assertFalse(ZeroPages.isZero(big));
            assertTrue(ZeroPages.isZero(big.asSlice(0, 199_999)));
        }
    }

    @Test
    void workloadWritesThroughTheWriteApiAndPausesQuiescent() throws Exception {
        try (GuestMemory g = GuestMemory.of(RamBlock.anonymous("ram0", 256 * 4096, 4096), RamBlock.anonymous("ram1", 64 * 4096, 4096));
             Workload w = new Workload(g, 50, 1)) {
            w.start();
            awaitTrue(() -> w.bytesWritten() >= 64 * 4096, "the workload writes");
            w.pause();
            assertTrue(w.isPaused() && w.isRunning());
            long written = w.bytesWritten();
            long checksumA = g.checksums().hashCode();
            long dirty = g.dirtyCount();
            assertTrue(dirty > 0, "writes are tracked");
            // A paused writer parks until resume(): once it is parked it cannot write, so nothing can have
            // changed since pause() returned (which waited for the write in flight).
            awaitTrue(w::writerAwaitsResume, "the paused writer parks");
            assertEquals(written, w.bytesWritten(), "a paused workload writes nothing");
            assertEquals(checksumA, g.checksums().hashCode());
            w.resume();
            awaitTrue(() -> w.bytesWritten() > written, "the resumed workload writes again");
            w.stop();
            assertFalse(w.isRunning());
            assertThrows(IllegalArgumentException.class, () -> w.setThrottle(1.0));
        }
    }

    /** Polls until {@code condition} holds; the bound only stops a hang, it is never what is tested. */
    private static void awaitTrue(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, what + ": not within 60 s");
            Thread.sleep(1);
        }
    }
}
