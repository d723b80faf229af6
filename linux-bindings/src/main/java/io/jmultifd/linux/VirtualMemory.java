package io.jmultifd.linux;

import io.jmultifd.linux.ffi.linux_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Anonymous mappings and advice on them: {@code mmap}/{@code munmap} with the arena as the owner of the mapping,
 * and {@code madvise} (e.g. {@code MADV_HUGEPAGE}, so that the kernel backs guest RAM with transparent huge pages
 * where it is in {@code madvise} mode). Postcopy registers such mappings with {@link Userfaultfd}.
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
        int flags = linux_h.MAP_PRIVATE() | linux_h.MAP_ANONYMOUS() | extraFlags;
        MemorySegment mapping;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = NativeCalls.callState(call);
            mapping = (MemorySegment) NativeCalls.MMAP.invokeExact(state, MemorySegment.NULL, size,
                    linux_h.PROT_READ() | linux_h.PROT_WRITE(), flags, -1, 0L);
            if (mapping.address() == -1L) { // MAP_FAILED
                throw new ErrnoException("mmap of " + size + " bytes", NativeCalls.errno(state));
            }
        } catch (ErrnoException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw NativeCalls.unexpected("mmap", t);
        }
        long address = mapping.address();
        return mapping.reinterpret(size, arena, unused -> unmap(address, size));
    }

    private static void unmap(long address, long size) {
        // Runs as the arena closes, which must not fail: a failure (only possible with a bad range) is logged.
        int rc = linux_h.munmap(MemorySegment.ofAddress(address), size);
        if (rc != 0) {
            LOG.log(System.Logger.Level.WARNING, "munmap of " + size + " bytes at 0x" + Long.toHexString(address)
                    + " failed");
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
            if ((int) NativeCalls.MADVISE.invokeExact(state, range, range.byteSize(), advice) != 0) {
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
