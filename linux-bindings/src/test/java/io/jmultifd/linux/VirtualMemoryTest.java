package io.jmultifd.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jmultifd.linux.ffi.linux_h;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** Anonymous mappings and madvise, checked against what the kernel reports in /proc/self/smaps. */
@EnabledOnOs(value = OS.LINUX, architectures = "amd64")
class VirtualMemoryTest {
    private static final long MIB = 1 << 20;
    private static final Path THP = Path.of("/sys/kernel/mm/transparent_hugepage");

    @Test
    void anAnonymousMappingIsZeroedWritableAndPageAligned() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mapping = VirtualMemory.mapAnonymous(arena, 3 * 4096, linux_h.MAP_NORESERVE());
            assertEquals(3 * 4096, mapping.byteSize());
            assertEquals(0, mapping.address() % 4096);
            assertEquals(-1L, mapping.mismatch(MemorySegment.ofArray(new byte[3 * 4096])), "zero-filled");
            mapping.set(ValueLayout.JAVA_LONG, 2 * 4096, 0x1234_5678_9abc_def0L);
            assertEquals(0x1234_5678_9abc_def0L, mapping.get(ValueLayout.JAVA_LONG, 2 * 4096));
            assertTrue(vmFlags(mapping.address()).isPresent(), "the kernel has a mapping at the address");
        }
    }

    @Test
    void mappingNothingIsRefused() {
        try (Arena arena = Arena.ofConfined()) {
            assertThrows(IllegalArgumentException.class, () -> VirtualMemory.mapAnonymous(arena, 0, 0));
        }
    }

    /**
     * MADV_HUGEPAGE marks the mapping for transparent huge pages ("hg" in its VmFlags) where the kernel has them;
     * a kernel built without them refuses the advice with EINVAL. Closing the arena unmaps the marked mapping.
     */
    @Test
    void madviseHugepageMarksTheMappingOrIsRefusedWithoutThp() throws Exception {
        long address;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mapping = VirtualMemory.mapAnonymous(arena, 4 * MIB, linux_h.MAP_NORESERVE());
            address = mapping.address();
            if (!Files.isDirectory(THP)) {
                ErrnoException e = assertThrows(ErrnoException.class,
                        () -> VirtualMemory.madvise(mapping, linux_h.MADV_HUGEPAGE()));
                assertEquals(linux_h.EINVAL(), e.errno());
                return;
            }
            VirtualMemory.madvise(mapping, linux_h.MADV_HUGEPAGE());
            assertTrue(vmFlags(address).orElseThrow().contains("hg"), () -> "VmFlags: " + vmFlags(address));

            VirtualMemory.madvise(mapping, linux_h.MADV_NOHUGEPAGE());
            List<String> flags = vmFlags(address).orElseThrow();
            assertTrue(flags.contains("nh") && !flags.contains("hg"), () -> "VmFlags: " + flags);
            VirtualMemory.madvise(mapping, linux_h.MADV_HUGEPAGE());
        }
        // The marked mapping is gone (another one may have taken the address since, but not with our advice).
        assertTrue(vmFlags(address).map(flags -> !flags.contains("hg")).orElse(true),
                () -> "still mapped with VmFlags " + vmFlags(address));
    }

    /** An aligned mapping starts at a multiple of the alignment, is zeroed and writable to its end, and closes. */
    @Test
    void anAlignedMappingIsAlignedZeroedAndUnmappedOnClose() throws Exception {
        long address;
        long size = 3 * MIB + 4096;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mapping = VirtualMemory.mapAnonymousAligned(arena, size, 2 * MIB, linux_h.MAP_NORESERVE());
            address = mapping.address();
            assertEquals(0, address % (2 * MIB));
            assertEquals(size, mapping.byteSize());
            assertEquals(0, mapping.get(ValueLayout.JAVA_LONG, 0));
            assertEquals(0, mapping.get(ValueLayout.JAVA_LONG, size - 8));
            mapping.set(ValueLayout.JAVA_LONG, size - 8, 42L);
            assertEquals(42L, mapping.get(ValueLayout.JAVA_LONG, size - 8));
            if (Files.isDirectory(THP)) {
                VirtualMemory.madvise(mapping, linux_h.MADV_HUGEPAGE());
                assertTrue(vmFlags(address).orElseThrow().contains("hg"), () -> "VmFlags: " + vmFlags(address));
            }
        }
        assertTrue(vmFlags(address).map(flags -> !flags.contains("hg")).orElse(true),
                () -> "still mapped with VmFlags " + vmFlags(address));
    }

    @Test
    void anAlignmentThatIsNoPowerOfTwoIsRefused() {
        try (Arena arena = Arena.ofConfined()) {
            assertThrows(IllegalArgumentException.class, () -> VirtualMemory.mapAnonymousAligned(arena, 4096, 3 * MIB, 0));
            assertThrows(IllegalArgumentException.class, () -> VirtualMemory.mapAnonymousAligned(arena, 0, 2 * MIB, 0));
        }
    }

    @Test
    void madviseOfAnUnalignedRangeIsEinval() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mapping = VirtualMemory.mapAnonymous(arena, 2 * 4096, 0);
            ErrnoException e = assertThrows(ErrnoException.class,
                    () -> VirtualMemory.madvise(mapping.asSlice(1, 4096), linux_h.MADV_HUGEPAGE()));
            assertEquals(linux_h.EINVAL(), e.errno());
            assertEquals("madvise(14) of 4096 bytes: Invalid argument", e.getMessage());
        }
    }

    @Test
    void thePageSizeIsX8664s() {
        assertEquals(30, linux_h._SC_PAGESIZE());
        assertEquals(4096, VirtualMemory.pageSize());
    }

    /** A lazy mapping has no page backed until one is written; MAP_POPULATE backs them all before mmap returns. */
    @Test
    void residentPagesAreTheWrittenOnesOrAllWithMapPopulate() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment lazy = VirtualMemory.mapAnonymous(arena, 8 * 4096, linux_h.MAP_NORESERVE());
            assertEquals(0, VirtualMemory.residentPages(lazy));
            lazy.set(ValueLayout.JAVA_BYTE, 2 * 4096 + 7, (byte) 1);
            lazy.set(ValueLayout.JAVA_BYTE, 5 * 4096, (byte) 1);
            assertEquals(2, VirtualMemory.residentPages(lazy));
            assertEquals(1, VirtualMemory.residentPages(lazy.asSlice(4 * 4096, 2 * 4096)));
            // A range that ends inside a page counts that page.
            assertEquals(1, VirtualMemory.residentPages(lazy.asSlice(5 * 4096, 1)));

            MemorySegment populated = VirtualMemory.mapAnonymous(arena, 8 * 4096, linux_h.MAP_POPULATE());
            assertEquals(8, VirtualMemory.residentPages(populated));
        }
    }

    @Test
    void residentPagesOfAnUnalignedRangeIsEinval() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mapping = VirtualMemory.mapAnonymous(arena, 2 * 4096, 0);
            ErrnoException e = assertThrows(ErrnoException.class,
                    () -> VirtualMemory.residentPages(mapping.asSlice(1, 4096)));
            assertEquals(linux_h.EINVAL(), e.errno());
            assertEquals("mincore of 4096 bytes: Invalid argument", e.getMessage());
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
