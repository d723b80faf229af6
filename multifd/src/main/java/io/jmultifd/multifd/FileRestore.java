package io.jmultifd.multifd;

import io.jmultifd.multifd.MigrationFailure.Cause;
import io.jmultifd.multifd.channels.PageCounters;
import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.RamBlock;
import io.jmultifd.multifd.snapshot.RestoreChannels;
import io.jmultifd.multifd.snapshot.SnapshotException;
import io.jmultifd.multifd.snapshot.SnapshotHeader;
import io.jmultifd.multifd.snapshot.SnapshotParameters;
import io.jmultifd.multifd.snapshot.SnapshotReader;
import io.jmultifd.multifd.transport.PageFile;
import io.jmultifd.spi.CompressionMethod;
import io.jmultifd.spi.CompressionMethods;
import io.jmultifd.spi.MethodParameters;
import io.jmultifd.spi.MethodStatistics;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The destination's phases for a {@code file:} endpoint: open and check the snapshot ({@link SnapshotReader}:
 * header, completion record, length, tables), allocate its blocks, restore the pages with multifd-channels
 * threads in parallel, then verify: every block's checksum must equal the one the save recorded. The file names
 * its method and page size and is read as it was written; a method or page size the user gave that differs is
 * refused ({@link SnapshotParameters#restoreMismatch}).
 */
final class FileRestore {
    private static final System.Logger LOG = System.getLogger(FileRestore.class.getName());

    private final MigrationParameters local;
    private final BlockFactory blockFactory;
    private final Failure failure;
    private final EngineThreads threads;
    private final ProgressListener progress;
    private final Consumer<GuestMemory> received;
    private final PageCounters pages = new PageCounters();

    FileRestore(MigrationParameters local, BlockFactory blockFactory, Failure failure, EngineThreads threads,
                ProgressListener progress, Consumer<GuestMemory> received) {
        this.local = local;
        this.blockFactory = blockFactory;
        this.failure = failure;
        this.threads = threads;
        this.progress = progress;
        this.received = received;
    }

    MigrationResult restore(Endpoint.File from) {
        ResultBuilder result = new ResultBuilder(local);
        SnapshotReader reader = null;
        RestoreChannels channels = null;
        GuestMemory guest = null;
        boolean match = false;
        long verifyNanos = 0;
        long doneNanos = 0;
        report(Progress.Phase.SETUP, null);
        try {
            failure.check();
            reader = SnapshotReader.open(from.path(), local.directIo(), local.channels());
            SnapshotHeader h = reader.header();
            result.decodedAs(h.method(), h.pageSize());
            String mismatch = SnapshotParameters.restoreMismatch(local, h, from.toString());
            if (mismatch != null) {
                failure.fail(Cause.REFUSED, mismatch);
                failure.check();
            }
            if (local.directIo() && h.pageSize() % PageFile.IO_ALIGNMENT != 0) {
                failure.fail(Cause.STORAGE, "direct-io=on: " + from + " has pages of " + h.pageSize()
                        + " bytes, not a multiple of the O_DIRECT alignment " + PageFile.IO_ALIGNMENT);
                failure.check();
            }
            long total = 0;
            for (SnapshotHeader.Block b : h.blocks()) {
                total += b.size();
            }
            if (total > local.maxGuestSize()) {
                failure.fail(Cause.REFUSED, from + " holds a guest of " + total + " bytes, more than "
                        + MigrationParameters.MAX_GUEST_SIZE + "=" + local.maxGuestSize());
                failure.check();
            }
            CompressionMethod method = h.compressed() ? method(h, from) : null;
            Map<String, String> methodParams = new TreeMap<>(local.methodParameters().asMap());
            methodParams.putAll(h.methodParameters());
            guest = allocate(h);
            received.accept(guest);
            result.guest(guest);
            result.setupDone();
            report(Progress.Phase.BULK, guest);
            channels = new RestoreChannels(reader, guest, method, new MethodParameters(methodParams), local.channels(),
                    pages, failure);
            channels.start(threads::start);
            channels.await();
            verifyNanos = System.nanoTime();
            report(Progress.Phase.VERIFY, guest);
            List<String> mismatches = new ArrayList<>();
            for (int i = 0; i < guest.blocks().size(); i++) {
                RamBlock b = guest.blocks().get(i);
                long saved = reader.completion().blocks().get(i).memoryChecksum();
                long now = b.checksum();
                if (saved != now) {
                    mismatches.add(String.format("block %s: restored CRC32C %08x, saved %08x", b.name(), now, saved));
                }
            }
            match = mismatches.isEmpty();
            if (!match) {
                failure.fail(Cause.CHECKSUM_MISMATCH, "checksum mismatch: " + String.join("; ", mismatches));
            }
            doneNanos = System.nanoTime();
            if (match && !failure.isSet()) {
                report(Progress.Phase.COMPLETED, guest);
            }
        } catch (Failure.Stopped e) {
            // reason recorded
        } catch (SnapshotException e) {
            failure.fail(Cause.CORRUPT_FILE, e.getMessage());
        } catch (NoSuchFileException e) {
            failure.fail(Cause.STORAGE, from + ": no such file");
        } catch (IOException e) {
            failure.fail(Cause.STORAGE, "reading " + from + ": " + Failure.describe(e));
        } catch (InterruptedException e) {
            failure.fail(Cause.INTERRUPTED, "interrupted");
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "restore failed", e);
            failure.fail(Cause.INTERNAL, "internal error: " + e);
        } finally {
            if (!match) {
                failure.fail(Cause.INTERNAL, "failed");
            }
            failure.complete();
            threads.joinAll();
            Thread.interrupted();
            if (reader != null) {
                reader.close();
            }
        }
        MigrationFailure reason = failure.get();
        if (reason != null) {
            report(reason.status() == MigrationStatus.CANCELLED ? Progress.Phase.CANCELLED : Progress.Phase.FAILED,
                    guest);
            // the caller reports the failure; logging it too printed it twice
            LOG.log(System.Logger.Level.DEBUG, "restore from " + from + " " + reason.status() + ": " + reason.message());
        }
        long bytes = reader == null ? 0 : reader.file().bytesRead();
        return result.build(reason, doneNanos - verifyNanos, bytes, guest == null ? 0 : guest.totalBytes(), pages,
                1, 0, match,
                channels == null ? MethodStatistics.EMPTY : channels.statistics(), threads);
    }

    private CompressionMethod method(SnapshotHeader h, Endpoint.File from) throws Failure.Stopped {
        try {
            return CompressionMethods.find(h.method());
        } catch (IllegalArgumentException e) {
            failure.fail(Cause.METHOD, from + " was compressed with method " + h.method() + ", which is not "
                    + "available here: " + e.getMessage());
            failure.check();
            throw new IllegalStateException("the side did not stop");
        }
    }

    private GuestMemory allocate(SnapshotHeader h) throws Failure.Stopped {
        List<RamBlock> blocks = new ArrayList<>();
        try {
            for (SnapshotHeader.Block b : h.blocks()) {
                blocks.add(blockFactory.create(b.name(), b.size(), h.pageSize()));
            }
            return GuestMemory.of(blocks);
        } catch (RuntimeException | OutOfMemoryError | InternalError e) {
            blocks.forEach(RamBlock::close);
            failure.fail(Cause.REFUSED, "cannot allocate the guest of the snapshot: " + Failure.describe(e));
            failure.check();
            throw new IllegalStateException("the side did not stop");
        }
    }

    private void report(Progress.Phase phase, GuestMemory g) {
        try {
            // one round (the file), counted once verified as the result counts it; no dirty pages, no rate
            long total = g == null ? 0 : g.totalBytes();
            long restored = g == null ? 0 : pages.pages() * g.pageSize();
            long remaining = phase == Progress.Phase.BULK ? Math.max(0, total - restored) : 0;
            long round = phase.ordinal() >= Progress.Phase.VERIFY.ordinal() ? 1 : 0;
            progress.onProgress(new Progress(phase, round, restored, total, remaining, 0, 0, -1));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "progress listener threw " + e);
        }
    }
}
