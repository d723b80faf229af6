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
 * Linux x86-64, or native access not granted) it falls back to {@link Arena#allocate}, which zero-fills eagerly.
 * The arena owns the mapping: closing it unmaps.
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

    /** Whether {@link #allocate} maps memory with mmap (then {@link #discard} can drop its pages). */
    static boolean mapped(int alignment) {
        return MAPPABLE && alignment <= MMAP_ALIGNMENT;
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

    /**
     * {@code size} zero bytes aligned to at least {@code alignment} (mmap gives the system page size); with
     * {@code populate}, backed by memory before this returns (the Arena fallback always is: it zero-fills).
     */
    static MemorySegment allocate(Arena arena, long size, int alignment, boolean populate) {
        if (MAPPABLE && alignment <= MMAP_ALIGNMENT) {
            int flags = populate ? linux_h.MAP_POPULATE() : linux_h.MAP_NORESERVE();
            try {
                return VirtualMemory.mapAnonymous(arena, size, flags);
            } catch (ErrnoException e) {
                throw new OutOfMemoryError("mmap of " + size + " bytes of anonymous memory failed: "
                        + Libc.strerror(e.errno()));
            }
        }
        return arena.allocate(size, alignment);
    }
}
