package io.jmultifd.multifd.guest;

import io.jmultifd.linux.ErrnoException;
import io.jmultifd.linux.Libc;
import io.jmultifd.linux.VirtualMemory;
import io.jmultifd.linux.ffi.linux_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Anonymous guest RAM the way QEMU gets it: {@code mmap(MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE)} through
 * linux-bindings ({@link VirtualMemory#mapAnonymous}), so that allocating a large guest is instant and pages that
 * are never written (zero pages the destination skips) cost no memory. Where linux-bindings is unavailable (not
 * Linux x86-64, or native access not granted, or a page size beyond mmap's alignment) it falls back to
 * {@link Arena#allocate}, which zero-fills eagerly.
 * The arena owns the mapping: closing it unmaps. Transparent huge pages: {@link TransparentHugePages}.
 */
final class AnonymousMemory {
    private static final System.Logger LOG = System.getLogger(AnonymousMemory.class.getName());
    /** mmap gives page-aligned memory: at least this alignment. */
    private static final long MMAP_ALIGNMENT = 4096;
    private static final boolean MAPPABLE = mappable();

    private AnonymousMemory() {}

    private static boolean mappable() {
        if (!Libc.available()) {
            // Expected off Linux x86-64, so not worth a line on every run: the reason is there for whoever asks.
            LOG.log(System.Logger.Level.DEBUG, () -> "anonymous guest memory: mmap not available ("
                    + Libc.unavailableReason() + "), using Arena.allocate (eager zero fill)");
            return false;
        }
        return true;
    }

    /**
     * Drops the system pages that lie wholly inside {@code range} of mmap'd anonymous memory
     * ({@code MADV_DONTNEED}: they read as zero and hold no memory; an untouched page costs nothing), and returns
     * the part that was dropped as {@code {from, to}} offsets in the range, or null when nothing was (the caller
     * then writes zeros).
     */
    static long[] discard(MemorySegment range) {
        if (!MAPPABLE) {
            return null;
        }
        long systemPage = VirtualMemory.pageSize();
        long start = range.address();
        long from = (start + systemPage - 1) & -systemPage;
        long to = (start + range.byteSize()) & -systemPage;
        if (to <= from) {
            return null;
        }
        try {
            VirtualMemory.madvise(range.asSlice(from - start, to - from), linux_h.MADV_DONTNEED());
            return new long[] {from - start, to - start};
        } catch (ErrnoException e) {
            return null;
        }
    }

    /** Whether MADV_POPULATE_WRITE is worth a call: false once the kernel said it does not know it. */
    private static volatile boolean prefaulting = MAPPABLE;

    /**
     * Backs the system pages that {@code [offset, offset + length)} of a mapping touches (MADV_POPULATE_WRITE),
     * best effort: a kernel without it (EINVAL) is not asked again, and any failure leaves the faults to the writes.
     */
    static void prefault(MemorySegment mapping, long offset, long length) {
        if (!prefaulting || length <= 0) {
            return;
        }
        long systemPage = VirtualMemory.pageSize();
        long start = mapping.address() + offset;
        long from = start & -systemPage;
        long to = Math.min((start + length + systemPage - 1) & -systemPage, mapping.address() + mapping.byteSize());
        try {
            VirtualMemory.madvise(mapping.asSlice(from - mapping.address(), to - from), linux_h.MADV_POPULATE_WRITE());
        } catch (ErrnoException e) {
            if (e.errno() == linux_h.EINVAL()) {
                prefaulting = false;
            }
        }
    }

    /** A block's memory, whether it is on huge pages, and whether it is mmap'd ({@link #discard} can drop its pages). */
    record Mapping(MemorySegment memory, HugePages hugePages, boolean mapped) {}

    /**
     * {@code size} zero bytes aligned to at least {@code alignment} (mmap gives the system page size); with
     * {@code populate}, backed by memory before this returns (the Arena fallback always is: it zero-fills). With
     * {@code hugePages} asking, the mapping is aligned to the huge page size and advised before anything backs it,
     * so that populating it takes huge pages too.
     */
    static Mapping allocate(Arena arena, long size, int alignment, boolean populate, TransparentHugePages hugePages) {
        // A mapping aligned for huge pages is aligned for any page size up to theirs.
        long mmapAlignment = hugePages.asked() ? Math.max(MMAP_ALIGNMENT, hugePages.size()) : MMAP_ALIGNMENT;
        if (!MAPPABLE || alignment > mmapAlignment) {
            // Off Linux x86-64 that is expected and logged at DEBUG above; a larger page than a huge page is odd.
            return new Mapping(arena.allocate(size, alignment), !hugePages.asked() ? HugePages.OFF
                    : MAPPABLE ? hugePages.unavailable("the block's page size " + alignment + " is beyond the huge "
                    + "page size " + hugePages.size()) : HugePages.UNAVAILABLE, false);
        }
        // Memory that is backed at once is accounted for at once (a clean ENOMEM under strict overcommit).
        int reserve = populate ? 0 : linux_h.MAP_NORESERVE();
        try {
            MemorySegment memory = hugePages.asked()
                    ? VirtualMemory.mapAnonymousAligned(arena, size, hugePages.size(), reserve)
                    : VirtualMemory.mapAnonymous(arena, size, reserve);
            // Advised before it is populated: MAP_POPULATE would back it with small pages first.
            HugePages outcome = hugePages.advise(memory);
            if (populate) {
                populate(memory);
            }
            return new Mapping(memory, outcome, true);
        } catch (ErrnoException e) {
            throw new OutOfMemoryError((populate ? "backing " : "mmap of ") + size
                    + " bytes of anonymous memory failed: " + Libc.strerror(e.errno()));
        }
    }

    /**
     * Backs every page now: {@code MADV_POPULATE_WRITE} (Linux 5.14), which fails with ENOMEM where memory runs out
     * rather than letting the OOM killer in; on older kernels (EINVAL) a write to each system page.
     */
    private static void populate(MemorySegment memory) throws ErrnoException {
        try {
            VirtualMemory.madvise(memory, linux_h.MADV_POPULATE_WRITE());
        } catch (ErrnoException e) {
            if (e.errno() != linux_h.EINVAL()) {
                throw e;
            }
            long step = VirtualMemory.pageSize();
            for (long offset = 0; offset < memory.byteSize(); offset += step) {
                memory.set(java.lang.foreign.ValueLayout.JAVA_BYTE, offset, (byte) 0);
            }
        }
    }
}
