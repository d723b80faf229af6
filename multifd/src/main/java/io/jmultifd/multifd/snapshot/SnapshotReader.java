package io.jmultifd.multifd.snapshot;

import io.jmultifd.multifd.transport.PageFile;

import io.jmultifd.spi.ChannelContext;
import io.jmultifd.spi.ChannelReceiver;
import io.jmultifd.spi.CompressionMethod;
import io.jmultifd.spi.CompressionMethods;
import io.jmultifd.spi.MethodParameters;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Opens a snapshot file for restore and checks everything but the pages before any page is read: the header
 * (magic, version, CRC, offsets), the completion record (present, intact: the save finished), the file's length
 * against the record's (a shorter file was cut: the first stored page past its end is named), and every block's
 * table against its CRC and the layout. The pages are checked as they are read ({@link RestoreChannels}).
 */
public final class SnapshotReader implements AutoCloseable {
    private final PageFile file;
    private final SnapshotHeader header;
    private final SnapshotCompletion completion;
    private final List<BlockTable> tables;

    private SnapshotReader(PageFile file, SnapshotHeader header, SnapshotCompletion completion, List<BlockTable> tables) {
        this.file = file;
        this.header = header;
        this.completion = completion;
        this.tables = tables;
    }

    public static SnapshotReader open(Path path, boolean direct) throws IOException {
        return open(path, direct, 1);
    }

    /** Opens {@code path} with {@code readers} page channels, one for each restore thread. */
    public static SnapshotReader open(Path path, boolean direct, int readers) throws IOException {
        PageFile file = PageFile.open(path, direct, readers);
        try {
            return read(file, path.toString());
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    private static SnapshotReader read(PageFile file, String name) throws IOException {
        long size = file.size();
        if (size < 12) {
            throw new SnapshotException(name + " is cut short: " + size + " bytes, not even a snapshot header");
        }
        ByteBuffer first = ByteBuffer.allocate(12);
        file.readMetadata(first, 0, "header of " + name);
        int headerLength = SnapshotHeader.headerLength(first.flip(), name);
        if (headerLength > size) {
            throw new SnapshotException(name + " is cut short: " + size + " bytes, inside its header of " + headerLength);
        }
        ByteBuffer h = ByteBuffer.allocate(headerLength);
        file.readMetadata(h, 0, "header of " + name);
        SnapshotHeader header = SnapshotHeader.decode(h.flip(), name);
        int blocks = header.blocks().size();
        int completionLength = SnapshotCompletion.encodedLength(blocks);
        if (header.completionOffset() + completionLength > size) {
            throw new SnapshotException(name + " is cut short: " + size + " bytes, it ends before its completion record");
        }
        ByteBuffer c = ByteBuffer.allocate(completionLength);
        file.readMetadata(c, header.completionOffset(), "completion record of " + name);
        SnapshotCompletion completion = SnapshotCompletion.decode(c.flip(), blocks, name);
        long expected = completion.fileLength();
        if (expected < header.dataOffset() || (!header.compressed() && expected != header.dataOffset())) {
            throw new SnapshotException("completion record of " + name + ": file length " + expected
                    + " does not fit the layout (data from " + header.dataOffset() + ")");
        }
        long maxStored = 2L * header.pageSize() + PageFile.IO_ALIGNMENT;
        List<BlockTable> tables = new ArrayList<>();
        for (int i = 0; i < blocks; i++) {
            SnapshotHeader.Block b = header.blocks().get(i);
            SnapshotCompletion.Block cb = completion.blocks().get(i);
            BlockTable t = BlockTable.read(file.metadata(), b.tableOffset(), header.layout(), header.pageCount(i),
                    cb.tableChecksum(), b.name(), header.dataOffset(), expected, maxStored);
            if (t.storedPages() != cb.storedPages()) {
                throw new SnapshotException("block " + b.name() + ": the bitmap marks " + t.storedPages()
                        + " pages, the completion record " + cb.storedPages());
            }
            tables.add(t);
        }
        if (size < expected) {
            throw new SnapshotException(name + " is cut short: " + size + " bytes of " + expected + "; "
                    + firstPageBeyond(header, tables, size));
        }
        if (size > expected) {
            throw new SnapshotException(name + " has " + size + " bytes, its completion record says " + expected
                    + ": something was appended or the record is wrong");
        }
        return new SnapshotReader(file, header, completion, tables);
    }

    /** Names the first stored page that the cut removed. */
    private static String firstPageBeyond(SnapshotHeader header, List<BlockTable> tables, long size) {
        for (int i = 0; i < tables.size(); i++) {
            BlockTable t = tables.get(i);
            for (long p = 0; p < t.pageCount(); p++) {
                if (!t.stored(p)) {
                    continue;
                }
                long end = header.compressed() ? t.offset(p) + t.length(p)
                        : header.blocks().get(i).pagesOffset() + (p + 1) * header.pageSize();
                if (end > size) {
                    return "block " + header.blocks().get(i).name() + " page " + p + " is the first page missing";
                }
            }
        }
        return "no stored page is missing, but the file is not whole";
    }

    public PageFile file() {
        return file;
    }

    public SnapshotHeader header() {
        return header;
    }

    public SnapshotCompletion completion() {
        return completion;
    }

    public BlockTable table(int block) {
        return tables.get(block);
    }

    /**
     * Reads page {@code page} of block {@code block} alone into {@code dst} (one page long), as postcopy from a file
     * would: checked against the CRC32C of its table entry (mapped-ram: of the page; compressed: of its stored bytes,
     * then decoded alone by the file's method). A page not stored is a zero page. Safe from several threads at once;
     * each call has its own buffer (and decoder). A damaged page is a {@link SnapshotException} naming block and page.
     *
     * @throws IllegalArgumentException for a block the file does not have, a page beyond it, or a {@code dst} that is
     *                                  not one page long
     */
    public void readPage(String block, long page, MemorySegment dst) throws IOException {
        int index = blockIndex(block);
        BlockTable table = tables.get(index);
        int pageSize = header.pageSize();
        if (page < 0 || page >= table.pageCount()) {
            throw new IllegalArgumentException("block " + block + " has pages 0.." + (table.pageCount() - 1)
                    + ", not " + page);
        }
        if (dst.byteSize() != pageSize) {
            throw new IllegalArgumentException("a page of " + file.path() + " is " + pageSize + " bytes; the target "
                    + "is " + dst.byteSize());
        }
        if (!table.stored(page)) {
            dst.fill((byte) 0);
            return;
        }
        String what = "block " + block + " page " + page;
        CRC32C crc = new CRC32C();
        long from = header.compressed() ? table.offset(page) : header.blocks().get(index).pagesOffset() + page * pageSize;
        long to = from + (header.compressed() ? table.length(page) : pageSize);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(to - from + 2L * PageFile.IO_ALIGNMENT, PageFile.IO_ALIGNMENT);
            long at = file.readSpan(0, buffer, from, to, what);
            MemorySegment stored = buffer.asSlice(from - at, to - from);
            if (!header.compressed()) {
                StoredPages.checkRaw(table, block, page, stored, crc);
                dst.copyFrom(stored);
                return;
            }
            try (ChannelReceiver receiver = method().newReceiver(new ChannelContext(0, pageSize, 1,
                    new MethodParameters(header.methodParameters())))) {
                StoredPages.decode(table, block, page, stored, receiver, dst, crc);
            }
        }
    }

    private int blockIndex(String name) {
        for (int i = 0; i < header.blocks().size(); i++) {
            if (header.blocks().get(i).name().equals(name)) {
                return i;
            }
        }
        throw new IllegalArgumentException(file.path() + " has no block " + name + "; its blocks: "
                + header.blocks().stream().map(SnapshotHeader.Block::name).toList());
    }

    private CompressionMethod method() throws SnapshotException {
        try {
            return CompressionMethods.find(header.method());
        } catch (IllegalArgumentException e) {
            throw new SnapshotException(file.path() + " was compressed with method " + header.method()
                    + ", which is not available here: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        file.close();
    }
}
