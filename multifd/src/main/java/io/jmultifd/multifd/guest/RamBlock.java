package io.jmultifd.multifd.guest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * A named, page-aligned region of guest RAM: off-heap memory (anonymous or a MAP_SHARED file mapping)
 * plus its dirty bitmap. Owns its memory: {@link #close()} releases it.
 */
public final class RamBlock implements AutoCloseable {
    /** The largest block name the wire carries (UTF-8 bytes). */
    public static final int MAX_NAME_BYTES = 256;
    private static final ValueLayout.OfLong LONG_BE =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN);
    /**
     * Free runs shorter than this are fed through CRC32C as zeros: below it, that costs about what appending
     * them by arithmetic does (a few microseconds per run).
     */
    static final long ZEROS_BY_ARITHMETIC = 256 << 10;
    private static final MemorySegment ZEROS = Arena.global().allocate(ZEROS_BY_ARITHMETIC);

    private final String name;
    private final long size;
    private final int pageSize;
    private final Arena arena;
    private final MemorySegment memory;
    private final DirtyBitmap dirty;
    private final FreePages free;
    private final boolean discardable; // mmap'd anonymous memory: madvise can drop pages
    private final HugePages hugePages;

    private RamBlock(String name, long size, int pageSize, Arena arena, MemorySegment memory) {
        this(name, size, pageSize, arena, memory, false, HugePages.FILE_BACKED);
    }

    private RamBlock(String name, long size, int pageSize, Arena arena, MemorySegment memory, boolean discardable,
                     HugePages hugePages) {
        this.discardable = discardable;
        this.hugePages = hugePages;
        this.name = name;
        this.size = size;
        this.pageSize = pageSize;
        this.arena = arena;
        this.memory = memory;
        this.dirty = new DirtyBitmap(size / pageSize);
        this.free = new FreePages(size / pageSize);
    }

    private static void check(String name, long size, int pageSize) {
        if (name == null || name.isEmpty() || name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            throw new IllegalArgumentException("block name must be 1.." + MAX_NAME_BYTES + " bytes: " + name);
        }
        if (pageSize <= 0 || Integer.bitCount(pageSize) != 1) {
            throw new IllegalArgumentException("page size must be a power of two, got " + pageSize);
        }
        if (size <= 0 || size % pageSize != 0) {
            throw new IllegalArgumentException("block " + name + ": size " + size
                    + " must be a positive multiple of the page size " + pageSize);
        }
    }

    /**
     * Zero-filled anonymous memory, aligned to the page size (lazily backed on Linux, like QEMU's RAM), on
     * transparent huge pages where the kernel gives them (as QEMU's RAM).
     */
    public static RamBlock anonymous(String name, long size, int pageSize) {
        return anonymous(name, size, pageSize, false);
    }

    /**
     * Zero-filled anonymous memory, aligned to the page size, on transparent huge pages where the kernel gives them;
     * with {@code prealloc} every page is backed before this returns, so that the first write to a page, e.g. by IAA
     * through SVM, takes no page fault.
     */
    public static RamBlock anonymous(String name, long size, int pageSize, boolean prealloc) {
        return anonymous(name, size, pageSize, prealloc, TransparentHugePages.system());
    }

    /**
     * As {@link #anonymous(String, long, int, boolean)}, asking for huge pages as {@code hugePages} says
     * ({@link TransparentHugePages#off()}: small pages, e.g. {@code guest-hugepages=off}).
     */
    public static RamBlock anonymous(String name, long size, int pageSize, boolean prealloc,
                                     TransparentHugePages hugePages) {
        check(name, size, pageSize);
        Arena arena = Arena.ofShared();
        try {
            AnonymousMemory.Mapping m = AnonymousMemory.allocate(arena, size, pageSize, prealloc, hugePages);
            return new RamBlock(name, size, pageSize, arena, m.memory(), m.mapped(), m.hugePages());
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /**
     * Backs every page now (memory, or blocks of a mapped file) by writing each page's first byte back to it,
     * so that later writes take no page fault ({@code prealloc}). Call before anything else writes the block.
     */
    public void touchEveryPage() {
        for (long offset = 0; offset < size; offset += pageSize) {
            memory.set(ValueLayout.JAVA_BYTE, offset, memory.get(ValueLayout.JAVA_BYTE, offset));
        }
    }

    /**
     * Backs the bytes {@code [offset, offset + length)} of mmap'd anonymous memory before they are written, in one
     * {@code madvise(MADV_POPULATE_WRITE)} where writing them would take a page fault per system page (writing 1 GiB
     * of fresh small pages here: 0.39-0.54 s with it, 0.70-0.78 s without). Elsewhere (a file mapping, Arena memory)
     * nothing; where the kernel refuses (before Linux 5.14, out of memory) the writes fault the pages in as before.
     */
    public void backBeforeWriting(long offset, long length) {
        if (discardable) {
            AnonymousMemory.prefault(memory, offset, length);
        }
    }

    /** A MAP_SHARED mapping of {@code image} (created, or extended to {@code size}), 4 KiB pages. */
    public static RamBlock mapFile(String name, Path image, long size) {
        return mapFile(name, image, size, 4096);
    }

    /** A MAP_SHARED mapping of {@code image} (created, or extended to {@code size}). */
    public static RamBlock mapFile(String name, Path image, long size, int pageSize) {
        check(name, size, pageSize);
        Arena arena = Arena.ofShared();
        try (FileChannel fc = FileChannel.open(image, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            if (fc.size() < size) {
                // Extend sparsely: one byte at the end (a mapping beyond EOF would SIGBUS on access).
                fc.write(ByteBuffer.wrap(new byte[1]), size - 1);
            }
            MemorySegment mapped = fc.map(FileChannel.MapMode.READ_WRITE, 0, size, arena);
            return new RamBlock(name, size, pageSize, arena, mapped);
        } catch (IOException e) {
            arena.close();
            throw new UncheckedIOException("cannot map " + image + " as block " + name + ": " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    public String name() { return name; }
    public long size() { return size; }
    public int pageSize() { return pageSize; }
    public long pageCount() { return size / pageSize; }
    /** Whether the block is mmap'd anonymous private memory (which userfaultfd can register for postcopy). */
    public boolean anonymousMapping() { return discardable; }
    /** The whole block. Writing through it directly bypasses dirty tracking (the engine's receive side does). */
    public MemorySegment memory() { return memory; }
    public DirtyBitmap dirty() { return dirty; }
    /** Whether the block asked for transparent huge pages and got the advice through. */
    public HugePages hugePages() { return hugePages; }
    /** Pages hinted free and not written since ({@link FreePageHints}). */
    public FreePages free() { return free; }

    /** One page as a view (no copy). */
    public MemorySegment page(long pageIndex) {
        return memory.asSlice(pageIndex * pageSize, pageSize);
    }

    /**
     * The guest write API: copies {@code src} to {@code offset}, THEN takes back any free-page hint of the
     * touched pages, THEN marks them dirty (the order {@link FreePages} relies on).
     */
    public void write(long offset, MemorySegment src) {
        long len = src.byteSize();
        if (len == 0) {
            return;
        }
        MemorySegment.copy(src, 0, memory, offset, len); // bounds-checked by the segment
        written(offset / pageSize, (offset + len - 1) / pageSize);
    }

    /** The guest write API for one big-endian long: store, THEN take back hints, THEN mark dirty. */
    public void writeLong(long offset, long value) {
        memory.set(LONG_BE, offset, value);
        written(offset / pageSize, (offset + 7) / pageSize);
    }

    private void written(long first, long last) {
        for (long p = first; p <= last; p++) {
            free.clear(p);
            dirty.markDirty(p);
        }
    }

    /** CRC32C of the whole block. */
    public long checksum() {
        CRC32C crc = new CRC32C();
        update(crc, 0, size);
        return crc.getValue();
    }

    /**
     * Makes pages {@code first .. first+count-1} read as zero, bypassing dirty tracking (the destination's side of
     * free pages): mmap'd anonymous memory drops them (QEMU's ram_discard_range), which costs nothing for pages
     * never touched; elsewhere, or for the part a system page does not cover whole, each page that is not zero
     * is filled with zeros.
     */
    public void discard(long first, long count) {
        MemorySegment range = memory.asSlice(first * pageSize, count * pageSize);
        long[] dropped = discardable ? AnonymousMemory.discard(range) : null;
        long size = range.byteSize();
        // The pages wholly inside the dropped part are done; only the head and tail around it are left (all of the
        // range when nothing was dropped), so a long range costs no loop over its pages.
        long doneFrom = dropped == null ? size : (dropped[0] + pageSize - 1) / pageSize * pageSize;
        long doneTo = dropped == null ? size : Math.max(doneFrom, dropped[1] / pageSize * pageSize);
        zeroPages(range, 0, doneFrom);
        zeroPages(range, doneTo, size);
    }

    /** Fills each page of {@code range} between the page-aligned offsets that is not zero already. */
    private void zeroPages(MemorySegment range, long from, long to) {
        for (long off = from; off < to; off += pageSize) {
            MemorySegment page = range.asSlice(off, pageSize);
            if (!isZero(page)) {
                page.fill((byte) 0);
            }
        }
    }

    private static boolean isZero(MemorySegment page) {
        for (long i = 0; i < page.byteSize(); i += 8) {
            if (page.get(ValueLayout.JAVA_LONG_UNALIGNED, i) != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * CRC32C of the block as both ends of a migration with free-page hints agree on it: every page free now
     * ({@link #free()}) counts as zeros, whatever stale bytes it still holds here (the destination zeroed it).
     * Free pages are never read, and a run of them of {@link #ZEROS_BY_ARITHMETIC} bytes or more is not fed
     * through CRC32C either: its zeros are appended by arithmetic ({@link Crc32c}), so the cost is that of the
     * pages in use.
     */
    public long checksumFreeAsZero() {
        long crc = 0; // of the pages before `run`
        CRC32C run = new CRC32C(); // pages since the last long free run; short free runs fed as zeros
        long runBytes = 0;
        long pages = pageCount();
        long page = 0;
        while (page < pages) {
            long firstFree = free.nextFree(page);
            update(run, page * pageSize, firstFree * pageSize);
            runBytes += (firstFree - page) * pageSize;
            if (firstFree == pages) {
                break;
            }
            long inUse = free.nextInUse(firstFree);
            long zeros = (inUse - firstFree) * pageSize;
            if (zeros < ZEROS_BY_ARITHMETIC) {
                update(run, ZEROS, 0, zeros);
                runBytes += zeros;
            } else {
                crc = Crc32c.appendZeros(Crc32c.combine(crc, run.getValue(), runBytes), zeros);
                run.reset();
                runBytes = 0;
            }
            page = inUse;
        }
        return Crc32c.combine(crc, run.getValue(), runBytes);
    }

    private void update(CRC32C crc, long from, long to) {
        update(crc, memory, from, to);
    }

    /** Feeds bytes {@code from .. to-1} of {@code segment} to {@code crc}, in chunks below 2 GiB (a ByteBuffer's limit). */
    private static void update(CRC32C crc, MemorySegment segment, long from, long to) {
        for (long pos = from; pos < to; ) {
            long len = Math.min(1L << 30, to - pos);
            crc.update(segment.asSlice(pos, len).asByteBuffer());
            pos += len;
        }
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "RamBlock[" + name + ", " + size + " bytes]";
    }
}
