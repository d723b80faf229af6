package io.jmultifd.multifd.guest;

import io.jmultifd.linux.ErrnoException;
import io.jmultifd.linux.VirtualMemory;
import io.jmultifd.linux.ffi.linux_h;
import io.jmultifd.multifd.LogCapture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Anonymous guest RAM asks for transparent huge pages (guest-hugepages=on) or advises against them (off), checked
 * against the VmFlags the kernel reports for the mapping in /proc/self/smaps ({@code hg}: MADV_HUGEPAGE, {@code nh}:
 * MADV_NOHUGEPAGE); a kernel that refuses leaves the block on small pages and says so once.
 */
@EnabledOnOs(value = OS.LINUX, architectures = "amd64")
class TransparentHugePagesTest {
    private static final long MIB = 1 << 20;
    private static final Path THP = Path.of("/sys/kernel/mm/transparent_hugepage");

    /** THP's mode here: always, madvise or never; null on a kernel without THP. */
    private static String kernelMode() {
        try {
            return TransparentHugePages.selected(Files.readString(THP.resolve("enabled")));
        } catch (IOException e) {
            return null;
        }
    }

    @Test
    void anAnonymousBlockAsksForHugePagesByDefaultWhereTheKernelHasThem() {
        try (RamBlock block = RamBlock.anonymous("ram", 6 * MIB, 4096)) {
            List<String> flags = vmFlags(block.memory().address()).orElseThrow();
            String mode = kernelMode();
            if (mode == null || mode.equals("never")) {
                assertEquals(HugePages.UNAVAILABLE, block.hugePages());
                return;
            }
            assertEquals(HugePages.ON, block.hugePages());
            assertTrue(flags.contains("hg"), () -> "VmFlags: " + flags);
            assertEquals(0, block.memory().address() % (2 * MIB), "aligned, so that every 2 MiB can be one page");
        }
    }

    @Test
    void guestHugepagesOffAdvisesAgainstThem() {
        try (RamBlock block = RamBlock.anonymous("ram", 6 * MIB, 4096, false, TransparentHugePages.off())) {
            assertEquals(HugePages.OFF, block.hugePages());
            List<String> flags = vmFlags(block.memory().address()).orElseThrow();
            assertFalse(flags.contains("hg"), () -> "VmFlags: " + flags);
            if (Files.isDirectory(THP)) {
                assertTrue(flags.contains("nh"), () -> "MADV_NOHUGEPAGE, also against mode always: " + flags);
            }
        }
    }

    /** prealloc backs every page after the advice, so a preallocated block is both advised and resident. */
    @Test
    void aPreallocatedBlockIsAdvisedAndResident() throws ErrnoException {
        long size = 4 * MIB;
        try (RamBlock block = RamBlock.anonymous("ram", size, 4096, true)) {
            assertEquals(size / VirtualMemory.pageSize(), VirtualMemory.residentPages(block.memory()));
            assertEquals(HugePages.ON.equals(block.hugePages()),
                    vmFlags(block.memory().address()).orElseThrow().contains("hg"));
            assertTrue(io.jmultifd.multifd.ram.ZeroPages.isZero(block.memory()));
        }
    }

    /** The fault injected: madvise answers EINVAL, as a kernel built without THP does. */
    @Test
    void aRefusedAdviceLeavesBlocksOnSmallPagesUsableAndIsSaidOnce() {
        AtomicInteger asked = new AtomicInteger();
        TransparentHugePages refusing = TransparentHugePages.forTest("madvise", mapping -> {
            asked.incrementAndGet();
            throw new ErrnoException("madvise(14) of " + mapping.byteSize() + " bytes", linux_h.EINVAL());
        });
        try (LogCapture log = new LogCapture(TransparentHugePages.class);
             RamBlock a = RamBlock.anonymous("a", 4 * MIB, 4096, false, refusing);
             RamBlock b = RamBlock.anonymous("b", 4 * MIB, 4096, true, refusing)) {
            assertEquals(2, asked.get());
            assertEquals(HugePages.UNAVAILABLE, a.hugePages());
            assertEquals(HugePages.UNAVAILABLE, b.hugePages());
            assertEquals(HugePages.UNAVAILABLE, GuestMemory.of(a, b).hugePages());
            assertFalse(vmFlags(a.memory().address()).orElseThrow().contains("hg"));
            byte[] page = new byte[4096];
            java.util.Arrays.fill(page, (byte) 9);
            a.write(3 * MIB, MemorySegment.ofArray(page));
            CRC32C crc = new CRC32C();
            crc.update(new byte[(int) (3 * MIB)]);
            crc.update(page);
            crc.update(new byte[(int) (MIB - 4096)]);
            assertEquals(crc.getValue(), a.checksum(), "the block works on small pages");
            assertEquals(List.of("INFO guest memory stays on small pages: the kernel refused madvise(MADV_HUGEPAGE): "
                    + "Invalid argument (a kernel without transparent huge pages); each page then costs a page fault "
                    + "when first written. guest-hugepages=off stops asking."), log.messages(),
                    "once, not as an error");
        }
    }

    @Test
    void modeNeverAsksNothingAndSaysWhy() {
        AtomicInteger asked = new AtomicInteger();
        TransparentHugePages never = TransparentHugePages.forTest("never", mapping -> asked.incrementAndGet());
        try (LogCapture log = new LogCapture(TransparentHugePages.class); RamBlock block = RamBlock.anonymous("a", 2 * MIB, 4096, false, never)) {
            assertEquals(HugePages.UNAVAILABLE, block.hugePages());
            assertEquals(0, asked.get());
            assertEquals(1, log.messages().size(), log.messages()::toString);
            assertTrue(log.messages().getFirst().contains("is [never]"), log.messages()::toString);
        }
    }

    @Test
    void theSelectedModeIsTheBracketedWord() {
        assertEquals("madvise", TransparentHugePages.selected("always [madvise] never\n"));
        assertEquals("never", TransparentHugePages.selected("always madvise [never]"));
        assertNull(TransparentHugePages.selected("always madvise never"));
        assertNull(TransparentHugePages.selected(null));
    }

    /** A guest is as on as its anonymous blocks; file-mapped blocks are left to the page cache. */
    @Test
    void aGuestReportsItsAnonymousBlocks(@TempDir Path dir) {
        try (RamBlock file = RamBlock.mapFile("img", dir.resolve("img"), 2 * MIB, 4096);
             RamBlock off = RamBlock.anonymous("off", 2 * MIB, 4096, false, TransparentHugePages.off());
             RamBlock refused = RamBlock.anonymous("refused", 2 * MIB, 4096, false,
                     TransparentHugePages.forTest("never", mapping -> { }))) {
            assertEquals(HugePages.FILE_BACKED, file.hugePages());
            assertEquals(HugePages.FILE_BACKED, GuestMemory.of(file).hugePages());
            assertEquals(HugePages.OFF, GuestMemory.of(file, off).hugePages());
            assertEquals(HugePages.UNAVAILABLE, GuestMemory.of(off, file, refused).hugePages());
            assertEquals("file-backed", HugePages.FILE_BACKED.label());
        }
    }

    /** Free-page hints drop pages of a huge-page block with MADV_DONTNEED: whole or split, they read as zero. */
    @Test
    void discardedRangesOfAHugePageBlockReadAsZero() {
        try (RamBlock block = RamBlock.anonymous("ram", 8 * MIB, 4096)) {
            block.memory().fill((byte) 5);
            long pages = block.pageCount();
            block.discard(pages / 4, pages / 4); // 2 MiB from 2 MiB: whole huge pages
            block.discard(pages / 2 + 3, 5); // inside one: split
            MemorySegment m = block.memory();
            assertEquals(-1, m.asSlice(2 * MIB, 2 * MIB).mismatch(MemorySegment.ofArray(new byte[(int) (2 * MIB)])));
            assertEquals(-1, m.asSlice((pages / 2 + 3) * 4096, 5 * 4096).mismatch(MemorySegment.ofArray(new byte[5 * 4096])));
            assertEquals(5, m.get(ValueLayout.JAVA_BYTE, (pages / 2 + 3) * 4096 - 1));
            assertEquals(5, m.get(ValueLayout.JAVA_BYTE, (pages / 2 + 8) * 4096));
            assertEquals(5, m.get(ValueLayout.JAVA_BYTE, 2 * MIB - 1));
        }
    }

    /** The VmFlags of the mapping that contains {@code address}, from /proc/self/smaps; empty when none does. */
    static Optional<List<String>> vmFlags(long address) {
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of("/proc/self/smaps"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        boolean inside = false;
        for (String line : lines) {
            int dash = line.indexOf('-');
            int space = line.indexOf(' ');
            if (dash > 0 && space > dash && line.substring(0, dash).matches("[0-9a-f]+")) {
                long start = Long.parseUnsignedLong(line.substring(0, dash), 16);
                long end = Long.parseUnsignedLong(line.substring(dash + 1, space), 16);
                inside = Long.compareUnsigned(start, address) <= 0 && Long.compareUnsigned(address, end) < 0;
            } else if (inside && line.startsWith("VmFlags:")) {
                return Optional.of(List.of(line.substring("VmFlags:".length()).trim().split(" +")));
            }
        }
        return Optional.empty();
    }
}
