package io.jmultifd.linux;

import io.jmultifd.linux.ffi.linux_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Anonymous mappings and advice on them: {@code mmap}/{@code munmap} with the arena as the owner of the mapping,
 * and {@code madvise} (e.g. {@code MADV_HUGEPAGE}, so that the kernel backs guest RAM with transparent huge pages
 * where it is in {@code madvise} mode); which pages of a mapping are backed by memory now ({@code mincore}).
 * Postcopy registers such mappings with {@link Userfaultfd}.
 */
public final class VirtualMemory {
    private static final System.Logger LOG = System.getLogger(VirtualMemory.class.getName());

    private VirtualMemory() {}

    /**
     * mmap(NULL, size, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|extraFlags, -1, 0): {@code size} zero bytes,
     * page-aligned, unmapped when {@code arena} closes. {@code extraFlags} is e.g. {@code MAP_NORESERVE} or
     * {@code MAP_POPULATE}.
     */
    public static MemorySegment mapAnonymous(Arena arena, long size, int extraFlags) throws ErrnoException {
        NativeCalls.requireAvailable();
        if (size <= 0) {
            throw new IllegalArgumentException("size must be positive, got " + size);
        }
        long address = map(size, extraFlags);
        return MemorySegment.ofAddress(address).reinterpret(size, arena, unused -> unmap(address, size));
    }

    /**
     * As {@link #mapAnonymous}, at an address that is a multiple of {@code alignment} (a power of two, e.g. 2 MiB so
     * that the kernel can back all of the mapping with transparent huge pages: an unaligned head or tail cannot be).
     * Maps {@code size + alignment} bytes and unmaps the parts before and after the aligned range at once.
     */
    public static MemorySegment mapAnonymousAligned(Arena arena, long size, long alignment, int extraFlags)
            throws ErrnoException {
        NativeCalls.requireAvailable();
        if (alignment <= 0 || Long.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("alignment must be a power of two, got " + alignment);
        }
        if (size <= 0 || size > Long.MAX_VALUE - alignment) {
            throw new IllegalArgumentException("size must be positive and leave room for the alignment, got " + size);
        }
        long pageSize = pageSize();
        if (alignment <= pageSize) {
            return mapAnonymous(arena, size, extraFlags);
        }
        long start = map(size + alignment, extraFlags);
        long aligned = (start + alignment - 1) & -alignment;
        long end = (aligned + size + pageSize - 1) & -pageSize;
        unmap(start, aligned - start);
        unmap(end, start + size + alignment - end);
        return MemorySegment.ofAddress(aligned).reinterpret(size, arena, unused -> unmap(aligned, size));
    }

    /** mmap of a private anonymous mapping nobody owns yet; its address. */
    private static long map(long size, int extraFlags) throws ErrnoException {
        NativeCalls.requireAvailable();
        int flags = linux_h.MAP_PRIVATE() | linux_h.MAP_ANONYMOUS() | extraFlags;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = NativeCalls.callState(call);
            MemorySegment mapping = (MemorySegment) NativeCalls.Mmap.LINKED.get().invokeExact(state,
                    MemorySegment.NULL, size, linux_h.PROT_READ() | linux_h.PROT_WRITE(), flags, -1, 0L);
            if (mapping.address() == -1L) { // MAP_FAILED
                throw new ErrnoException("mmap of " + size + " bytes", NativeCalls.errno(state));
            }
            return mapping.address();
        } catch (ErrnoException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw NativeCalls.unexpected("mmap", t);
        }
    }

    private static void unmap(long address, long size) {
        if (size == 0) {
            return;
        }
        // Runs as the arena closes, which must not fail: a failure (only possible with a bad range) is logged.
        int rc = linux_h.munmap(MemorySegment.ofAddress(address), size);
        if (rc != 0) {
            LOG.log(System.Logger.Level.WARNING, "munmap of " + size + " bytes at 0x" + Long.toHexString(address)
                    + " failed");
        }
    }

    /** sysconf(_SC_PAGESIZE): the size of the pages mmap, madvise and mincore work in (4096 on x86-64). */
    public static long pageSize() {
        NativeCalls.requireAvailable();
        return linux_h.sysconf(linux_h._SC_PAGESIZE());
    }

    /**
     * mincore(2): how many of the pages that {@code range} touches are resident, i.e. backed by memory now (a page of
     * a file mapping counts when it is in the page cache). The address must be page-aligned (EINVAL otherwise);
     * ENOMEM when part of the range is not mapped.
     */
    public static long residentPages(MemorySegment range) throws ErrnoException {
        NativeCalls.requireAvailable();
        long pageSize = pageSize();
        long pages = (range.byteSize() + pageSize - 1) / pageSize;
        try (Arena arena = Arena.ofConfined()) {
            // One byte per page; bit 0 is set for a resident page, the other bits are reserved.
            MemorySegment vector = arena.allocate(Math.max(pages, 1));
            MemorySegment state = NativeCalls.callState(arena);
            if ((int) NativeCalls.Mincore.LINKED.get().invokeExact(state, range, range.byteSize(), vector) != 0) {
                throw new ErrnoException("mincore of " + range.byteSize() + " bytes", NativeCalls.errno(state));
            }
            long resident = 0;
            for (long page = 0; page < pages; page++) {
                resident += vector.get(ValueLayout.JAVA_BYTE, page) & 1;
            }
            return resident;
        } catch (ErrnoException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw NativeCalls.unexpected("mincore", t);
        }
    }

    /**
     * madvise(2) over the whole of {@code range}, whose address must be page-aligned; e.g. EINVAL for
     * {@code MADV_HUGEPAGE} on a kernel without transparent huge pages.
     */
    public static void madvise(MemorySegment range, int advice) throws ErrnoException {
        NativeCalls.requireAvailable();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = NativeCalls.callState(arena);
            if ((int) NativeCalls.Madvise.LINKED.get().invokeExact(state, range, range.byteSize(), advice) != 0) {
                throw new ErrnoException("madvise(" + advice + ") of " + range.byteSize() + " bytes",
                        NativeCalls.errno(state));
            }
        } catch (ErrnoException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw NativeCalls.unexpected("madvise", t);
        }
    }
}
