package io.jmultifd.multifd.guest;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Anonymous guest RAM the way QEMU gets it: {@code mmap(MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE)} on
 * Linux, so that allocating a large guest is instant and pages that are never written (zero pages the
 * destination skips) cost no memory. Elsewhere, or when native access is not granted, it falls back to
 * {@link Arena#allocate}, which zero-fills eagerly. The arena owns the mapping: closing it unmaps.
 */
final class AnonymousMemory {
    private static final System.Logger LOG = System.getLogger(AnonymousMemory.class.getName());
    private static final int PROT_READ = 1;
    private static final int PROT_WRITE = 2;
    private static final int MAP_PRIVATE = 0x02;
    private static final int MAP_ANONYMOUS = 0x20;
    private static final int MAP_NORESERVE = 0x4000;
    private static final int MAP_POPULATE = 0x8000;
    private static final MethodHandle MMAP;
    private static final MethodHandle MUNMAP;
    private static final MethodHandle MADVISE;
    private static final int MADV_DONTNEED = 4;
    /** The system's page size, or 0 when madvise cannot be used. */
    private static final long SYSTEM_PAGE;

    static {
        MethodHandle mmap = null;
        MethodHandle munmap = null;
        MethodHandle madvise = null;
        long systemPage = 0;
        if (System.getProperty("os.name", "").startsWith("Linux")) {
            try {
                Linker linker = Linker.nativeLinker();
                var libc = linker.defaultLookup();
                mmap = linker.downcallHandle(libc.find("mmap").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
                munmap = linker.downcallHandle(libc.find("munmap").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
                try {
                    madvise = linker.downcallHandle(libc.find("madvise").orElseThrow(), FunctionDescriptor.of(
                            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
                    MethodHandle getpagesize = linker.downcallHandle(libc.find("getpagesize").orElseThrow(),
                            FunctionDescriptor.of(ValueLayout.JAVA_INT));
                    systemPage = (int) getpagesize.invokeExact();
                } catch (Throwable e) {
                    madvise = null; // discarding falls back to writing zeros
                    systemPage = 0;
                }
            } catch (RuntimeException | LinkageError e) {
                LOG.log(System.Logger.Level.INFO, "anonymous guest memory: mmap not available (" + e
                        + "), using Arena.allocate (eager zero fill)");
                mmap = null;
                munmap = null;
            }
        }
        MMAP = mmap;
        MUNMAP = munmap;
        MADVISE = madvise;
        SYSTEM_PAGE = systemPage > 0 && Long.bitCount(systemPage) == 1 ? systemPage : 0;
    }

    /** Whether {@link #allocate} maps memory with mmap (then {@link #discard} can drop its pages). */
    static boolean mapped(int alignment) {
        return MMAP != null && alignment <= 4096;
    }

    /**
     * Drops the system pages that lie wholly inside {@code range} of mmap'd anonymous memory
     * ({@code MADV_DONTNEED}: they read as zero and hold no memory; an untouched page costs nothing), and returns
     * the part that was dropped as {@code {from, to}} offsets in the range, or null when nothing was.
     */
    static long[] discard(MemorySegment range) {
        if (MADVISE == null || SYSTEM_PAGE == 0) {
            return null;
        }
        long start = range.address();
        long from = (start + SYSTEM_PAGE - 1) & -SYSTEM_PAGE;
        long to = (start + range.byteSize()) & -SYSTEM_PAGE;
        if (to <= from) {
            return null;
        }
        try {
            int rc = (int) MADVISE.invokeExact(MemorySegment.ofAddress(from), to - from, MADV_DONTNEED);
            return rc == 0 ? new long[] {from - start, to - start} : null;
        } catch (Throwable t) {
            return null;
        }
    }

    private AnonymousMemory() {}

    /**
     * {@code size} zero bytes aligned to at least {@code alignment} (mmap gives the system page size); with
     * {@code populate}, backed by memory before this returns (the Arena fallback always is: it zero-fills).
     */
    static MemorySegment allocate(Arena arena, long size, int alignment, boolean populate) {
        if (MMAP != null && alignment <= 4096) {
            MemorySegment addr;
            int flags = MAP_PRIVATE | MAP_ANONYMOUS | (populate ? MAP_POPULATE : MAP_NORESERVE);
            try {
                addr = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, size, PROT_READ | PROT_WRITE,
                        flags, -1, 0L);
            } catch (Throwable t) {
                throw new IllegalStateException("mmap failed: " + t, t);
            }
            if (addr.address() == -1L) {
                throw new OutOfMemoryError("mmap of " + size + " bytes of anonymous memory failed");
            }
            final long address = addr.address();
            return addr.reinterpret(size, arena, segment -> unmap(address, size));
        }
        return arena.allocate(size, alignment);
    }

    private static void unmap(long address, long size) {
        try {
            int rc = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(address), size);
            if (rc != 0) {
                LOG.log(System.Logger.Level.WARNING, "munmap of " + size + " bytes failed");
            }
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.WARNING, "munmap failed: " + t);
        }
    }
}
