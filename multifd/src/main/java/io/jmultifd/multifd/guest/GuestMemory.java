package io.jmultifd.multifd.guest;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The RAM blocks of one guest, in a fixed order (the order is the block index on the wire). Owns them. */
public final class GuestMemory implements AutoCloseable {
    private final List<RamBlock> blocks;
    private final int pageSize;
    private final FreePageHints hints = new FreePageHints(this);
    private volatile FreeList freeList;

    private GuestMemory(List<RamBlock> blocks) {
        if (blocks.isEmpty()) {
            throw new IllegalArgumentException("a guest needs at least one RAM block");
        }
        Set<String> names = new HashSet<>();
        int ps = blocks.getFirst().pageSize();
        for (RamBlock b : blocks) {
            if (!names.add(b.name())) {
                throw new IllegalArgumentException("two RAM blocks are called " + b.name());
            }
            if (b.pageSize() != ps) {
                throw new IllegalArgumentException("block " + b.name() + " has page size " + b.pageSize()
                        + ", block " + blocks.getFirst().name() + " has " + ps);
            }
        }
        this.blocks = List.copyOf(blocks);
        this.pageSize = ps;
    }

    public static GuestMemory of(List<RamBlock> blocks) {
        return new GuestMemory(new ArrayList<>(blocks));
    }

    public static GuestMemory of(RamBlock... blocks) {
        return new GuestMemory(List.of(blocks));
    }

    public List<RamBlock> blocks() { return blocks; }

    /** The guest's free list, when it has one (a synthetic guest with {@code free=PERCENT}); null otherwise. */
    public FreeList freeList() { return freeList; }

    void freeList(FreeList list) { this.freeList = list; }

    /** Where the guest reports its free memory during a migration. */
    public FreePageHints hints() { return hints; }

    public int pageSize() { return pageSize; }

    /** Whether the guest's anonymous memory is on transparent huge pages ({@link HugePages#of}). */
    public HugePages hugePages() { return HugePages.of(this); }

    public RamBlock block(String name) {
        for (RamBlock b : blocks) {
            if (b.name().equals(name)) {
                return b;
            }
        }
        throw new IllegalArgumentException("no RAM block called " + name);
    }

    public long totalBytes() {
        long n = 0;
        for (RamBlock b : blocks) {
            n += b.size();
        }
        return n;
    }

    public long totalPages() {
        return totalBytes() / pageSize;
    }

    /** CRC32C of every block, by name, in block order. */
    public Map<String, Long> checksums() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (RamBlock b : blocks) {
            m.put(b.name(), b.checksum());
        }
        return m;
    }

    /** As {@link #checksums()}, with every page free now counted as zeros (what a destination of hints holds). */
    public Map<String, Long> checksumsFreeAsZero() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (RamBlock b : blocks) {
            m.put(b.name(), b.checksumFreeAsZero());
        }
        return m;
    }

    public long dirtyCount() {
        long n = 0;
        for (RamBlock b : blocks) {
            n += b.dirty().dirtyCount();
        }
        return n;
    }

    @Override
    public void close() {
        for (RamBlock b : blocks) {
            b.close();
        }
    }
}
