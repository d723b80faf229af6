package io.jmultifd.bench;

import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.RamBlock;
import io.jmultifd.multifd.ram.ZeroPages;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The comparison row of the snapshot benchmark: a stream written sequentially by one thread, as QEMU's
 * {@code migrate exec:cat > FILE} writes one (no multifd, no fixed offsets, through the page cache). One thread
 * walks the guest's pages in order and appends a record per page to a 1 MiB buffer: an 8-byte big-endian word
 * (the page's offset in the guest, bit 0 set for a zero page) followed, for a non-zero page, by its 4096 bytes;
 * each full buffer goes to the file with one {@code FileChannel.write}, and the file is fsynced at the end (as the
 * engine's save syncs its file). The restore is one thread too: 1 MiB reads in order, each page copied to its
 * offset in a fresh anonymous guest (zero pages need no write there). Not the engine's code: a yardstick for it.
 */
final class SequentialStream {
    static final int BUFFER = 1 << 20;
    private static final long ZERO_FLAG = 1;
    private static final int HEADER = Long.BYTES;

    private SequentialStream() {}

    /** Writes {@code guest} (one block) to {@code file}; bytes written and wall_ms. */
    static Map<String, Object> write(GuestMemory guest, Path file) throws IOException {
        RamBlock block = single(guest);
        int page = block.pageSize();
        ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER);
        MemorySegment view = MemorySegment.ofBuffer(buffer);
        long bytes = 0;
        long t0 = System.nanoTime();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (long offset = 0; offset < block.size(); offset += page) {
                if (buffer.remaining() < HEADER + page) bytes += drain(buffer, ch);
                MemorySegment p = block.memory().asSlice(offset, page);
                boolean zero = ZeroPages.isZero(p);
                buffer.putLong(offset | (zero ? ZERO_FLAG : 0));
                if (!zero) {
                    MemorySegment.copy(p, 0, view, buffer.position(), page);
                    buffer.position(buffer.position() + page);
                }
            }
            bytes += drain(buffer, ch);
            ch.force(true);
        }
        long t1 = System.nanoTime();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("wall_ms", Harness.round3((t1 - t0) / 1e6));
        m.put("transferred_bytes", bytes);
        m.put("file_bytes", bytes);
        m.put("allocated_bytes", Snapshots.allocatedBytes(file));
        return m;
    }

    /**
     * Reads {@code file} back into a fresh guest of {@code size} bytes; wall_ms, bytes read and memory_equal (the
     * restored guest against {@code source}, compared after the timing).
     */
    static Map<String, Object> read(Path file, GuestMemory source) throws IOException {
        RamBlock original = single(source);
        int page = original.pageSize();
        ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER);
        MemorySegment view = MemorySegment.ofBuffer(buffer);
        long bytes = 0;
        long t0 = System.nanoTime();
        try (GuestMemory restored = GuestMemory.of(List.of(RamBlock.anonymous(original.name(), original.size(), page)));
             FileChannel ch = FileChannel.open(file)) {
            MemorySegment memory = restored.blocks().getFirst().memory();
            boolean end = false;
            while (!end) {
                int n = ch.read(buffer);
                if (n < 0) end = true;
                else bytes += n;
                buffer.flip();
                while (buffer.remaining() >= HEADER) {
                    long word = buffer.getLong(buffer.position());
                    long offset = word & ~ZERO_FLAG;
                    boolean zero = (word & ZERO_FLAG) != 0;
                    if (offset < 0 || offset + page > memory.byteSize() || offset % page != 0) {
                        throw new IOException(file + ": record with offset " + offset + " outside the guest");
                    }
                    if (!zero && buffer.remaining() < HEADER + page) break;
                    if (!zero) MemorySegment.copy(view, buffer.position() + HEADER, memory, offset, page);
                    buffer.position(buffer.position() + HEADER + (zero ? 0 : page));
                }
                if (end && buffer.hasRemaining()) throw new IOException(file + ": cut short inside a record");
                buffer.compact();
            }
            long t1 = System.nanoTime();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("wall_ms", Harness.round3((t1 - t0) / 1e6));
            m.put("transferred_bytes", bytes);
            m.put("memory_equal", Snapshots.equal(source, restored));
            return m;
        }
    }

    private static long drain(ByteBuffer buffer, FileChannel ch) throws IOException {
        buffer.flip();
        long n = 0;
        while (buffer.hasRemaining()) n += ch.write(buffer);
        buffer.clear();
        return n;
    }

    private static RamBlock single(GuestMemory guest) {
        List<RamBlock> blocks = new ArrayList<>(guest.blocks());
        if (blocks.size() != 1) throw new IllegalArgumentException("the stream yardstick takes a guest of one block");
        return blocks.getFirst();
    }
}
