package io.jmultifd.multifd.snapshot;

import io.jmultifd.multifd.Failure;
import io.jmultifd.multifd.MigrationFailure.Cause;
import io.jmultifd.multifd.MigrationParameters;
import io.jmultifd.multifd.channels.PageCounters;
import io.jmultifd.multifd.guest.RamBlock;
import io.jmultifd.multifd.ram.ZeroPages;
import io.jmultifd.multifd.transport.PageFile;
import io.jmultifd.spi.ChannelContext;
import io.jmultifd.spi.ChannelSender;
import io.jmultifd.spi.MethodStatistics;
import io.jmultifd.spi.PacketDelivery;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.zip.CRC32C;

/**
 * One channel of a save to a file, on its own thread: takes batches of one block's dirty pages and writes runs of
 * adjacent pages with one positioned write each, straight from guest memory to their fixed offsets (RAW), or
 * compresses each page alone and writes the batch's payloads with one positioned write into space reserved at the
 * end of the data region (COMPRESSED). A zero page is cleared in the bitmap; it is not written, except with
 * O_DIRECT, where a short run of zero pages between stored pages is written along with them (as zeros) rather than
 * splitting the write ({@link SnapshotFormat#DIRECT_IO_GAP_BYTES}). A live guest may change a page between its
 * CRC and its write: such a page is dirty again and is rewritten, with its new CRC, in a later round (the last
 * one with the guest paused), as precopy resends it.
 */
final class SaveChannel {
    private final int index;
    private final SnapshotWriter writer;
    private final List<RamBlock> blocks;
    private final MigrationParameters params;
    private final PageCounters counters;
    private final Failure failure;
    /** Batches each channel owns: one being written while the main thread fills the other. */
    static final int BATCHES = 2;
    final ArrayBlockingQueue<SaveBatch> free = new ArrayBlockingQueue<>(BATCHES);
    final ArrayBlockingQueue<SaveBatch> work = new ArrayBlockingQueue<>(BATCHES);
    private final int pageSize;
    private final boolean compressed;
    private final List<MemorySegment> one = new ArrayList<>(1);
    private final List<MemorySegment> out = new ArrayList<>();
    private final int gapPages;
    private final Runnable progress;
    private final long[] pending;      // COMPRESSED: pages in the buffer, with their place in it
    private final int[] pendingAt;
    private final int[] pendingLength;
    private final int[] pendingCrc;    // both layouts: the CRC32C of each page of the pending write
    private final boolean[] pendingStored; // RAW: false for a zero page carried inside the pending write
    private volatile MethodStatistics statistics = MethodStatistics.EMPTY;

    /** @param progress called after each batch is written (the stall watchdog's progress) */
    SaveChannel(int index, SnapshotWriter writer, List<RamBlock> blocks, MigrationParameters params,
                PageCounters counters, Failure failure, Runnable progress) {
        this.index = index;
        this.writer = writer;
        this.blocks = blocks;
        this.params = params;
        this.counters = counters;
        this.failure = failure;
        this.pageSize = params.pageSize();
        this.compressed = writer.header().compressed();
        this.gapPages = SnapshotFormat.gapPages(pageSize, writer.file().direct());
        this.progress = progress;
        int n = SnapshotFormat.transferPages(pageSize);
        this.pending = new long[n];
        this.pendingAt = new int[n];
        this.pendingLength = new int[n];
        this.pendingCrc = new int[n];
        this.pendingStored = new boolean[n];
        for (int i = 0; i < BATCHES; i++) {
            free.add(new SaveBatch(this, n));
        }
    }

    int index() {
        return index;
    }

    MethodStatistics statistics() {
        return statistics;
    }

    /** The thread's body: until a batch without pages (the end), or until the side stops. */
    void run() {
        ChannelSender sender = null;
        SaveBatch batch = null;
        try (Arena arena = Arena.ofConfined()) {
            // COMPRESSED: payloads of a batch (a page that does not shrink may take more than a page); RAW writes
            // straight from guest memory.
            MemorySegment buffer = !compressed ? null : arena.allocate(SnapshotFormat.alignUp(
                    (long) SnapshotFormat.transferPages(pageSize) * pageSize * 2 + PageFile.IO_ALIGNMENT,
                    PageFile.IO_ALIGNMENT), PageFile.IO_ALIGNMENT);
            if (compressed) {
                try {
                    // Each page is stored to be restored alone, by any channel: no packet may refer to another.
                    sender = params.method().newSender(new ChannelContext(index, pageSize, 1,
                            params.methodParameters(), PacketDelivery.INDEPENDENT));
                } catch (RuntimeException e) {
                    failure.fail(Cause.METHOD, index, "channel " + index + ": method " + params.methodName()
                            + " cannot set up: " + Failure.describe(e));
                    return;
                }
            }
            while (true) {
                batch = work.take();
                if (batch.count < 0) {
                    free.put(batch);
                    return;
                }
                if (compressed) {
                    saveCompressed(batch, buffer, sender);
                    statistics = sender.statistics();
                } else {
                    saveRaw(batch);
                }
                progress.run();
                free.put(batch);
                batch = null;
            }
        } catch (InterruptedException e) {
            // torn down
        } catch (IOException e) {
            failure.fail(Cause.STORAGE, index, where(batch) + ": " + describe(e));
        } catch (RuntimeException e) {
            failure.fail(Cause.INTERNAL, index, "channel " + index + ", " + where(batch) + ": " + e);
        } finally {
            if (sender != null) {
                statistics = sender.statistics();
                sender.close();
            }
        }
    }

    private String where(SaveBatch b) {
        if (b == null || b.count <= 0) {
            return "writing " + writer.file().path();
        }
        return "writing block " + blocks.get(b.block).name() + " pages " + b.pages[0] + ".." + b.pages[b.count - 1]
                + " to " + writer.file().path();
    }

    private static String describe(IOException e) {
        String m = Failure.describe(e);
        return m.contains("No space left") ? "the disk is full (" + m + ")" : m;
    }

    private void saveRaw(SaveBatch b) throws IOException {
        RamBlock block = blocks.get(b.block);
        BlockTable table = writer.table(b.block);
        long pagesOffset = writer.header().blocks().get(b.block).pagesOffset();
        CRC32C crc = new CRC32C();
        int run = 0;          // pages of the pending write from runStart: stored ones and zero ones between them
        int trailingZero = 0; // zero pages at its end, written only if a stored page follows
        long runStart = 0;
        int zero = 0;
        for (int i = 0; i < b.count; i++) {
            long p = b.pages[i];
            if (run > 0 && p != runStart + run) {
                writeRun(block, run - trailingZero, runStart, pagesOffset, table);
                run = 0;
                trailingZero = 0;
            }
            MemorySegment page = block.page(p);
            if (ZeroPages.isZero(page)) {
                table.clear(p);
                zero++;
                if (run > 0 && trailingZero < gapPages) {
                    pendingStored[run++] = false;
                    trailingZero++;
                } else if (run > 0) {
                    writeRun(block, run - trailingZero, runStart, pagesOffset, table);
                    run = 0;
                    trailingZero = 0;
                }
                continue;
            }
            if (run == 0) {
                runStart = p;
            }
            crc.reset();
            crc.update(page.asByteBuffer());
            pendingCrc[run] = (int) crc.getValue();
            pendingStored[run++] = true;
            trailingZero = 0;
        }
        if (run > 0) {
            writeRun(block, run - trailingZero, runStart, pagesOffset, table);
        }
        counters.add(b.count - zero, zero, (long) (b.count - zero) * pageSize);
    }

    /** Writes {@code run} pages of guest memory from {@code runStart} at their offsets, then records the stored ones. */
    private void writeRun(RamBlock block, int run, long runStart, long pagesOffset, BlockTable table)
            throws IOException {
        ByteBuffer bytes = block.memory().asSlice(runStart * pageSize, (long) run * pageSize).asByteBuffer();
        writer.file().writePages(bytes, pagesOffset + runStart * pageSize);
        for (int k = 0; k < run; k++) {
            if (pendingStored[k]) {
                table.storeRaw(runStart + k, pendingCrc[k]);
            }
        }
    }

    private void saveCompressed(SaveBatch b, MemorySegment buffer, ChannelSender sender) throws IOException {
        RamBlock block = blocks.get(b.block);
        BlockTable table = writer.table(b.block);
        CRC32C crc = new CRC32C();
        int used = 0;
        int count = 0;
        int zero = 0;
        long payloadBytes = 0;
        for (int i = 0; i < b.count; i++) {
            long p = b.pages[i];
            MemorySegment page = block.memory().asSlice(p * pageSize, pageSize);
            if (ZeroPages.isZero(page)) {
                table.clear(p);
                zero++;
                continue;
            }
            one.clear();
            one.add(page);
            out.clear();
            long length = sender.encode(one, out);
            if (length <= 0 || length > buffer.byteSize() - PageFile.IO_ALIGNMENT) {
                throw new IllegalStateException("method " + params.methodName() + " encoded one page into " + length
                        + " bytes");
            }
            if (used + length > buffer.byteSize() - PageFile.IO_ALIGNMENT) {
                flushCompressed(buffer, used, count, table);
                used = 0;
                count = 0;
            }
            long at = used;
            for (MemorySegment s : out) {
                MemorySegment.copy(s, 0, buffer, at, s.byteSize());
                at += s.byteSize();
            }
            crc.reset();
            crc.update(buffer.asSlice(used, length).asByteBuffer());
            pending[count] = p;
            pendingAt[count] = used;
            pendingLength[count] = (int) length;
            pendingCrc[count] = (int) crc.getValue();
            count++;
            used += (int) length;
            payloadBytes += length;
        }
        if (count > 0) {
            flushCompressed(buffer, used, count, table);
        }
        counters.add(b.count - zero, zero, payloadBytes);
    }

    private void flushCompressed(MemorySegment buffer, int used, int count, BlockTable table) throws IOException {
        long total = writer.file().direct() ? SnapshotFormat.alignUp(used, PageFile.IO_ALIGNMENT) : used;
        buffer.asSlice(used, total - used).fill((byte) 0);
        long at = writer.reserve(total);
        writer.file().writePages(buffer.asSlice(0, total).asByteBuffer(), at);
        for (int k = 0; k < count; k++) {
            table.storeCompressed(pending[k], at + pendingAt[k], pendingLength[k], pendingCrc[k]);
        }
    }
}
