package io.jmultifd.multifd.snapshot;

import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.RamBlock;
import io.jmultifd.multifd.transport.PageFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes one snapshot file under a temporary name ({@code PATH.partial}, so that a save that fails never replaces a
 * good snapshot at PATH): the header when it is created, pages while the save runs (by the channels, through
 * {@link #storeRaw} and {@link #reserve}), then {@link #finish}: pages and tables synced, and only then the
 * completion record, synced too; {@link #commit} then renames it to PATH. A file whose save stopped before
 * that has no completion record; {@link #discard} removes it.
 */
public final class SnapshotWriter implements AutoCloseable {
    private final PageFile file;
    private final Path target;
    private final SnapshotHeader header;
    private final List<BlockTable> tables = new ArrayList<>();
    private final AtomicLong dataEnd;

    private SnapshotWriter(PageFile file, Path target, SnapshotHeader header) {
        this.file = file;
        this.target = target;
        this.header = header;
        for (int i = 0; i < header.blocks().size(); i++) {
            tables.add(new BlockTable(header.layout(), header.pageCount(i)));
        }
        this.dataEnd = new AtomicLong(header.dataOffset());
    }

    /**
     * Creates {@code path} (replacing a file there) for {@code guest}: RAW when {@code method} is none, else
     * COMPRESSED with the method and the parameters its decoder needs.
     */
    public static SnapshotWriter create(Path path, boolean direct, GuestMemory guest, String method,
                                        Map<String, String> methodParameters) throws IOException {
        int layout = method.equals("none") ? SnapshotFormat.LAYOUT_RAW : SnapshotFormat.LAYOUT_COMPRESSED;
        SnapshotHeader header = SnapshotHeader.layOut(layout, guest.pageSize(), method, methodParameters,
                guest.blocks().stream().map(b -> Map.entry(b.name(), b.size())).toList());
        Path partial = path.resolveSibling(path.getFileName() + ".partial");
        PageFile file = PageFile.create(partial, direct, header.dataOffset());
        try {
            file.writeMetadata(header.encode(), 0);
            return new SnapshotWriter(file, path, header);
        } catch (IOException | RuntimeException e) {
            file.close();
            Files.deleteIfExists(partial);
            throw e;
        }
    }

    public SnapshotHeader header() {
        return header;
    }

    public PageFile file() {
        return file;
    }

    public BlockTable table(int block) {
        return tables.get(block);
    }

    /** COMPRESSED: room for {@code bytes} of payloads (a multiple of the I/O alignment with O_DIRECT); its offset. */
    public long reserve(long bytes) {
        return dataEnd.getAndAdd(bytes);
    }

    /** Bytes of the file in use so far (for a compressed file: what the payloads took). */
    public long length() {
        return dataEnd.get();
    }

    /**
     * Ends the save: syncs the pages, writes and syncs every table, then writes the completion record with the
     * blocks' checksums and syncs it.
     */
    public SnapshotCompletion finish(GuestMemory guest, long rounds) throws IOException {
        long length = dataEnd.get();
        file.setLength(length);
        file.sync();
        List<SnapshotCompletion.Block> blocks = new ArrayList<>();
        for (int i = 0; i < tables.size(); i++) {
            BlockTable t = tables.get(i);
            long tableCrc = t.write(file.metadata(), header.blocks().get(i).tableOffset());
            RamBlock b = guest.blocks().get(i);
            blocks.add(new SnapshotCompletion.Block(b.checksum(), tableCrc, t.storedPages()));
        }
        file.sync();
        SnapshotCompletion completion = new SnapshotCompletion(length, rounds, blocks);
        file.writeMetadata(completion.encode(), header.completionOffset());
        file.sync();
        return completion;
    }

    /** After {@link #finish}: the file takes its name (replacing what was there). */
    public void commit() throws IOException {
        file.close();
        Files.move(file.path(), target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** After a failure: the unfinished file goes (a full disk is freed again); what was at PATH stays. */
    public void discard() {
        file.close();
        try {
            Files.deleteIfExists(file.path());
        } catch (IOException ignored) {
            // it has no completion record: it can never be restored as complete
        }
    }

    @Override
    public void close() {
        file.close();
    }
}
