package io.jmultifd.multifd.snapshot;

import io.jmultifd.multifd.Failure;
import io.jmultifd.multifd.MigrationFailure.Cause;
import io.jmultifd.multifd.channels.PageCounters;
import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.RamBlock;
import io.jmultifd.multifd.ram.ZeroPages;
import io.jmultifd.multifd.transport.PageFile;
import io.jmultifd.spi.ChannelContext;
import io.jmultifd.spi.PacketDelivery;
import io.jmultifd.spi.ChannelReceiver;
import io.jmultifd.spi.CompressionMethod;
import io.jmultifd.spi.MethodParameters;
import io.jmultifd.spi.MethodStatistics;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.zip.CRC32C;

/**
 * Restores the pages of an opened snapshot with {@code channels} threads in parallel, each through its own page
 * channel of the file: each takes the next chunk of {@link SnapshotFormat#TRANSFER_BYTES} of a block, reads its
 * stored pages with positioned reads (RAW: runs of adjacent pages straight into guest memory, with O_DIRECT through
 * short runs of pages not stored, as the save wrote them; COMPRESSED: runs of adjacent payloads into its aligned
 * buffer, each page then decoded alone into its place), checks every page's CRC32C, and zeroes the pages that are
 * not stored. The first bad page fails the side with a message naming its block and page.
 */
public final class RestoreChannels {
    private final SnapshotReader reader;
    private final GuestMemory guest;
    private final CompressionMethod method;
    private final MethodParameters methodParameters;
    private final PageCounters counters;
    private final Failure failure;
    private final int channels;
    private final long[] chunkStarts; // chunk k of all blocks starts at global chunk index chunkStarts[block]
    private final AtomicLong nextChunk = new AtomicLong();
    private final CountDownLatch done;
    private final MethodStatistics[] statistics;
    private final int chunkPages;

    public RestoreChannels(SnapshotReader reader, GuestMemory guest, CompressionMethod methodOrNull,
                           MethodParameters methodParameters, int channels, PageCounters counters, Failure failure) {
        this.reader = reader;
        this.guest = guest;
        this.method = methodOrNull;
        this.methodParameters = methodParameters;
        this.counters = counters;
        this.failure = failure;
        this.channels = channels;
        this.chunkPages = SnapshotFormat.transferPages(reader.header().pageSize());
        this.chunkStarts = new long[guest.blocks().size() + 1];
        for (int i = 0; i < guest.blocks().size(); i++) {
            chunkStarts[i + 1] = chunkStarts[i] + (guest.blocks().get(i).pageCount() + chunkPages - 1) / chunkPages;
        }
        this.done = new CountDownLatch(channels);
        this.statistics = new MethodStatistics[channels];
        java.util.Arrays.fill(statistics, MethodStatistics.EMPTY);
    }

    public void start(BiConsumer<String, Runnable> start) {
        for (int i = 0; i < channels; i++) {
            int index = i;
            start.accept("jmultifd-restore-" + i, () -> {
                try {
                    run(index);
                } finally {
                    done.countDown();
                }
            });
        }
    }

    /** Waits until every channel has restored its share (or the side stopped). */
    public void await() throws Failure.Stopped, InterruptedException {
        while (!done.await(20, java.util.concurrent.TimeUnit.MILLISECONDS)) {
            failure.check();
        }
        failure.check();
    }

    public MethodStatistics statistics() {
        MethodStatistics s = MethodStatistics.EMPTY;
        for (MethodStatistics m : statistics) {
            s = s.plus(m);
        }
        return s;
    }

    private void run(int index) {
        SnapshotHeader header = reader.header();
        int pageSize = header.pageSize();
        ChannelReceiver receiver = null;
        String where = "reading " + reader.file().path();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = !header.compressed() ? null : arena.allocate((long) chunkPages * pageSize * 2
                    + 2L * PageFile.IO_ALIGNMENT, PageFile.IO_ALIGNMENT);
            if (header.compressed()) {
                // Any channel restores any page: every stored page must decode on its own.
                receiver = method.newReceiver(new ChannelContext(index, pageSize, 1, methodParameters,
                        PacketDelivery.INDEPENDENT));
            }
            long total = chunkStarts[chunkStarts.length - 1];
            for (long k = nextChunk.getAndIncrement(); k < total; k = nextChunk.getAndIncrement()) {
                failure.check();
                int block = 0;
                while (chunkStarts[block + 1] <= k) {
                    block++;
                }
                RamBlock b = guest.blocks().get(block);
                long first = (k - chunkStarts[block]) * chunkPages;
                long end = Math.min(b.pageCount(), first + chunkPages);
                where = "block " + b.name() + " pages " + first + ".." + (end - 1);
                if (header.compressed()) {
                    restoreCompressed(index, block, first, end, buffer, receiver);
                } else {
                    restoreRaw(index, block, first, end);
                }
            }
        } catch (Failure.Stopped e) {
            // another channel failed first
        } catch (SnapshotException e) {
            failure.fail(Cause.CORRUPT_FILE, index, e.getMessage());
        } catch (IOException e) {
            if (!failure.isSet()) {
                failure.fail(Cause.STORAGE, index, where + " of " + reader.file().path() + ": " + Failure.describe(e));
            }
        } catch (RuntimeException e) {
            failure.fail(receiver == null && header.compressed() ? Cause.METHOD : Cause.INTERNAL, index,
                    "restore channel " + index + ", " + where + ": " + Failure.describe(e));
        } finally {
            if (receiver != null) {
                statistics[index] = receiver.statistics();
                receiver.close();
            }
        }
    }

    private void restoreRaw(int channel, int block, long first, long end) throws IOException {
        RamBlock b = guest.blocks().get(block);
        BlockTable table = reader.table(block);
        int pageSize = b.pageSize();
        int gapPages = SnapshotFormat.gapPages(pageSize, reader.file().direct());
        long pagesOffset = reader.header().blocks().get(block).pagesOffset();
        CRC32C crc = new CRC32C();
        long stored = 0;
        for (long p = first; p < end; ) {
            if (!table.stored(p)) {
                zero(b.page(p));
                p++;
                continue;
            }
            // one read up to the last stored page that no more than gapPages unstored pages separate
            long runEnd = p + 1;
            for (long q = runEnd; q < end && q - runEnd <= gapPages; q++) {
                if (table.stored(q)) {
                    runEnd = q + 1;
                }
            }
            long bytes = (runEnd - p) * pageSize;
            reader.file().readPages(channel, b.memory().asSlice(p * pageSize, bytes).asByteBuffer(),
                    pagesOffset + p * pageSize, bytes, "block " + b.name() + " page " + p);
            for (long q = p; q < runEnd; q++) {
                if (!table.stored(q)) {
                    zero(b.page(q)); // read along: a hole, written zeros, or an older round's copy
                    continue;
                }
                StoredPages.checkRaw(table, b.name(), q, b.page(q), crc);
                stored++;
            }
            p = runEnd;
        }
        counters.add(stored, (end - first) - stored, stored * pageSize);
    }

    private void restoreCompressed(int channel, int block, long first, long end, MemorySegment buffer,
                                   ChannelReceiver receiver) throws IOException {
        RamBlock b = guest.blocks().get(block);
        BlockTable table = reader.table(block);
        long maxPayload = receiver.maxPayloadSize(1);
        long room = buffer.byteSize() - 2L * PageFile.IO_ALIGNMENT;
        CRC32C crc = new CRC32C();
        long stored = 0;
        long payloadBytes = 0;
        for (long p = first; p < end; ) {
            if (!table.stored(p)) {
                zero(b.page(p));
                p++;
                continue;
            }
            // A run of pages whose payloads lie one after another (one batch of the saver): one read.
            long runEnd = p;
            long from = table.offset(p);
            long to = from;
            while (runEnd < end && table.stored(runEnd) && table.offset(runEnd) == to
                    && to + table.length(runEnd) - from <= room) {
                if (table.length(runEnd) > maxPayload) {
                    throw new SnapshotException("block " + b.name() + " page " + runEnd + ": stored length "
                            + table.length(runEnd) + " exceeds the method's limit " + maxPayload + " for one page");
                }
                to += table.length(runEnd);
                runEnd++;
            }
            if (runEnd == p) { // cannot happen: one payload always fits the room
                throw new SnapshotException("block " + b.name() + " page " + p + ": index entry does not fit");
            }
            long readFrom = reader.file().readSpan(channel, buffer, from, to, "block " + b.name() + " page " + p);
            for (long q = p; q < runEnd; q++) {
                MemorySegment payload = buffer.asSlice(table.offset(q) - readFrom, table.length(q));
                StoredPages.decode(table, b.name(), q, payload, receiver, b.page(q), crc);
                payloadBytes += table.length(q);
            }
            stored += runEnd - p;
            p = runEnd;
        }
        counters.add(stored, (end - first) - stored, payloadBytes);
    }

    /** A page not stored is a zero page; fresh memory is zero already and stays untouched. */
    private static void zero(MemorySegment page) {
        if (!ZeroPages.isZero(page)) {
            page.fill((byte) 0);
        }
    }
}
