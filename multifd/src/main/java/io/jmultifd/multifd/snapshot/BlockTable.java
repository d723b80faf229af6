package io.jmultifd.multifd.snapshot;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.zip.CRC32C;

/**
 * One block's table: the bitmap of stored pages and, per page, the CRC32C of the page (RAW) or where its payload
 * lies (COMPRESSED: offset, length, CRC32C of the stored bytes). Held in memory while a save runs (channels store
 * pages in parallel, each page by one channel at a time: a page is in a round at most once, and rounds are closed
 * on every channel), written once at the end; read and checked whole before a restore uses any of it.
 */
public final class BlockTable {
    private static final VarHandle WORD = MethodHandles.arrayElementVarHandle(long[].class);
    private static final int CHUNK = 1 << 20;

    private final int layout;
    private final long pages;
    private final long[] bitmap;
    private final int[] crc;
    private final long[] offset; // COMPRESSED only
    private final int[] length;  // COMPRESSED only

    public BlockTable(int layout, long pages) {
        if (pages <= 0 || pages > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("page count out of range: " + pages);
        }
        this.layout = layout;
        this.pages = pages;
        this.bitmap = new long[(int) ((pages + 63) / 64)];
        this.crc = new int[(int) pages];
        boolean compressed = layout == SnapshotFormat.LAYOUT_COMPRESSED;
        this.offset = compressed ? new long[(int) pages] : null;
        this.length = compressed ? new int[(int) pages] : null;
    }

    public static long encodedLength(int layout, long pages) {
        long entry = layout == SnapshotFormat.LAYOUT_COMPRESSED ? SnapshotFormat.INDEX_ENTRY : SnapshotFormat.RAW_ENTRY;
        return (pages + 63) / 64 * 8 + pages * entry;
    }

    public long pageCount() {
        return pages;
    }

    /** RAW: page {@code page} is stored at its fixed offset with this CRC32C. */
    public void storeRaw(long page, int pageCrc) {
        crc[(int) page] = pageCrc;
        WORD.getAndBitwiseOr(bitmap, (int) (page >>> 6), 1L << (page & 63));
    }

    /** COMPRESSED: page {@code page}'s payload is {@code len} bytes at {@code at}. */
    public void storeCompressed(long page, long at, int len, int storedCrc) {
        offset[(int) page] = at;
        length[(int) page] = len;
        storeRaw(page, storedCrc);
    }

    /** The page is a zero page now: restore leaves it zero (what an earlier round stored stays unread). */
    public void clear(long page) {
        WORD.getAndBitwiseAnd(bitmap, (int) (page >>> 6), ~(1L << (page & 63)));
        crc[(int) page] = 0;
        if (offset != null) {
            offset[(int) page] = 0;
            length[(int) page] = 0;
        }
    }

    public boolean stored(long page) {
        return (((long) WORD.getVolatile(bitmap, (int) (page >>> 6))) >>> (page & 63) & 1) != 0;
    }

    public int crc(long page) {
        return crc[(int) page];
    }

    public long offset(long page) {
        return offset[(int) page];
    }

    public int length(long page) {
        return length[(int) page];
    }

    public long storedPages() {
        long n = 0;
        for (long w : bitmap) {
            n += Long.bitCount(w);
        }
        return n;
    }

    /** Writes the table at {@code at} (in chunks, positioned) and returns its CRC32C. */
    public long write(FileChannel file, long at) throws IOException {
        CRC32C sum = new CRC32C();
        ByteBuffer buf = ByteBuffer.allocate(CHUNK);
        long pos = at;
        for (long w : bitmap) {
            pos = putLong(file, buf, pos, sum, w);
        }
        for (int p = 0; p < pages; p++) {
            if (offset != null) {
                pos = putLong(file, buf, pos, sum, offset[p]);
                pos = putInt(file, buf, pos, sum, length[p]);
            }
            pos = putInt(file, buf, pos, sum, crc[p]);
        }
        flush(file, buf, pos, sum);
        return sum.getValue();
    }

    private static long putLong(FileChannel file, ByteBuffer buf, long pos, CRC32C sum, long v) throws IOException {
        if (buf.remaining() < 8) {
            pos = flush(file, buf, pos, sum);
        }
        buf.putLong(v);
        return pos;
    }

    private static long putInt(FileChannel file, ByteBuffer buf, long pos, CRC32C sum, int v) throws IOException {
        if (buf.remaining() < 4) {
            pos = flush(file, buf, pos, sum);
        }
        buf.putInt(v);
        return pos;
    }

    private static long flush(FileChannel file, ByteBuffer buf, long pos, CRC32C sum) throws IOException {
        buf.flip();
        sum.update(buf.duplicate());
        while (buf.hasRemaining()) {
            pos += file.write(buf, pos);
        }
        buf.clear();
        return pos;
    }

    /**
     * Reads and checks block {@code name}'s table: its CRC32C against the completion record's, then every entry:
     * no bit beyond the block, a page not stored has an empty entry, a stored compressed page lies inside the data
     * region [{@code dataStart}, {@code dataEnd}) and is 1..{@code maxStored} bytes long.
     */
    public static BlockTable read(FileChannel file, long at, int layout, long pages, long expectedCrc, String name,
                                  long dataStart, long dataEnd, long maxStored) throws IOException {
        long len = encodedLength(layout, pages);
        if (at + len > file.size()) {
            throw new SnapshotException("the table of block " + name + " is cut short (the file ends at "
                    + file.size() + ", the table at " + (at + len) + ")");
        }
        BlockTable t = new BlockTable(layout, pages);
        CRC32C sum = new CRC32C();
        Source src = new Source(file, at, at + len, sum);
        for (int w = 0; w < t.bitmap.length; w++) {
            t.bitmap[w] = src.getLong();
        }
        for (int p = 0; p < pages; p++) {
            if (t.offset != null) {
                t.offset[p] = src.getLong();
                t.length[p] = src.getInt();
            }
            t.crc[p] = src.getInt();
        }
        if (sum.getValue() != expectedCrc) {
            throw new SnapshotException("the bitmap or index of block " + name + " is damaged: its CRC32C does not "
                    + "match the completion record's");
        }
        t.check(name, dataStart, dataEnd, maxStored);
        return t;
    }

    private void check(String name, long dataStart, long dataEnd, long maxStored) throws SnapshotException {
        int rest = (int) (pages & 63);
        if (rest != 0 && (bitmap[bitmap.length - 1] >>> rest) != 0) {
            throw new SnapshotException("the bitmap of block " + name + " marks pages beyond its " + pages + " pages");
        }
        for (int p = 0; p < pages; p++) {
            if (!stored(p)) {
                if (crc[p] != 0 || (offset != null && (offset[p] != 0 || length[p] != 0))) {
                    throw new SnapshotException("block " + name + " page " + p + ": not stored, yet its entry is not empty");
                }
            } else if (offset != null && (length[p] <= 0 || length[p] > maxStored || offset[p] < dataStart
                    || offset[p] > dataEnd - length[p])) {
                throw new SnapshotException("block " + name + " page " + p + ": index entry " + length[p] + " bytes at "
                        + offset[p] + " lies outside the data region " + dataStart + ".." + dataEnd
                        + " or exceeds " + maxStored + " bytes");
            }
        }
    }

    /** Chunked positioned reads of a table, summed as they are read. */
    private static final class Source {
        private final FileChannel file;
        private final CRC32C sum;
        private final ByteBuffer buf = ByteBuffer.allocate(CHUNK);
        private final long end;
        private long pos;

        Source(FileChannel file, long at, long end, CRC32C sum) {
            this.file = file;
            this.pos = at;
            this.end = end;
            this.sum = sum;
            buf.limit(0);
        }

        private void need(int n) throws IOException {
            if (buf.remaining() >= n) {
                return;
            }
            buf.compact();
            while (buf.position() < n) {
                // never past the table: the CRC covers exactly its bytes
                buf.limit((int) Math.min(buf.capacity(), buf.position() + (end - pos)));
                int r = pos >= end ? -1 : file.read(buf, pos);
                if (r < 0) {
                    throw new SnapshotException("table cut short at offset " + pos);
                }
                sum.update(buf.slice(buf.position() - r, r));
                pos += r;
                buf.limit(buf.capacity());
            }
            buf.flip();
        }

        long getLong() throws IOException {
            need(8);
            return buf.getLong();
        }

        int getInt() throws IOException {
            need(4);
            return buf.getInt();
        }
    }
}
