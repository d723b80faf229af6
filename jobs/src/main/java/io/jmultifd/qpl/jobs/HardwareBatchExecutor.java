package io.jmultifd.qpl.jobs;

import io.jmultifd.spi.CorruptPayloadException;
import io.jmultifd.spi.MethodStatistics;
import io.jmultifd.spi.PageCodec;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Objects;

/**
 * The hardware path: one job per page of a batch; every page is submitted ({@code qpl_submit_job}) before
 * the first wait ({@code qpl_wait_job}), so the device works on the whole batch at once.
 *
 * <ul>
 *   <li>A submit answered {@code QPL_STS_QUEUES_ARE_BUSY_ERR} is repeated up to {@code submitRetries} times;
 *       still busy, or any other submit error: that page is done on the software path now.</li>
 *   <li>Compression: a wait that ends with "output does not fit" means the page did not shrink: raw. Any other
 *       failed wait: the page is redone on the software path (which may still find it does not shrink).</li>
 *   <li>Decompression: any failure (submit, wait, or output that is not exactly one page) is retried on the
 *       software path before the stream is declared corrupt.</li>
 * </ul>
 *
 * <p>The {@code qpl} method's hardware tier. Its decompression checks what QPL reports, no more (see
 * {@link SoftwarePageExecutor}).
 *
 * <p>The job path is a constructor argument: on a host without IAA, tests run this orchestration on
 * software-path jobs, which QPL's submit/wait accept.
 */
public final class HardwareBatchExecutor implements PageCodec {
    /** Upper bound for {@code qpl-submit-retries}: past this a busy queue is better served by the CPU. */
    public static final int MAX_SUBMIT_RETRIES = 1000;

    private final QplPath jobPath;
    private final int pageSize;
    private final int maxPages;
    private final boolean dynamicHuffman;
    private final int submitRetries;
    private final QplCalls calls;
    private final QplJob[] jobs;
    private final boolean[] inFlight;
    private final SoftwareJob software;
    private final Counters counters = new Counters();
    /** Stream bytes of the pages the current decompression batch inflated, for its JFR event. */
    private long inflatedBytes;
    private boolean closed;

    /**
     * @param jobPath       {@link QplPath#HARDWARE} in production; {@link QplPath#SOFTWARE} to exercise this
     *                      orchestration where no IAA exists
     * @param submitRetries resubmissions of a page whose submit found the queues busy, 0..{@value #MAX_SUBMIT_RETRIES}
     * @throws QplException when a job of {@code jobPath} or the software fallback job cannot be initialised
     *         (e.g. {@code QPL_STS_INIT_LIBACCEL_NOT_FOUND (501)}); nothing stays allocated then
     */
    public HardwareBatchExecutor(QplPath jobPath, int pageSize, int maxPages, boolean dynamicHuffman,
                                 int submitRetries, QplCalls calls) {
        Batches.checkPageSize(pageSize, maxPages);
        if (submitRetries < 0 || submitRetries > MAX_SUBMIT_RETRIES) {
            throw new IllegalArgumentException("submit retries must be between 0 and " + MAX_SUBMIT_RETRIES
                    + ", got " + submitRetries);
        }
        this.jobPath = Objects.requireNonNull(jobPath, "jobPath");
        this.pageSize = pageSize;
        this.maxPages = maxPages;
        this.dynamicHuffman = dynamicHuffman;
        this.submitRetries = submitRetries;
        this.calls = Objects.requireNonNull(calls, "calls");
        this.jobs = new QplJob[maxPages];
        this.inFlight = new boolean[maxPages];
        SoftwareJob fallback = null;
        try {
            for (int i = 0; i < maxPages; i++) {
                jobs[i] = QplJob.open(jobPath);
            }
            fallback = new SoftwareJob(calls, pageSize, dynamicHuffman);
        } catch (RuntimeException | Error e) {
            closeJobs();
            throw e;
        }
        this.software = fallback;
    }

    @Override
    public String tier() {
        return "hardware";
    }

    /** The path of the batch jobs (hardware, or software in tests). */
    public QplPath jobPath() {
        return jobPath;
    }

    public int submitRetries() {
        return submitRetries;
    }

    @Override
    public void compress(List<MemorySegment> pages, List<MemorySegment> slots, int[] lengths) {
        checkOpen();
        Batches.checkCompress(pages, slots, lengths, pageSize, maxPages);
        awaitLeftovers();
        int n = pages.size();
        QplBatchEvent event = new QplBatchEvent();
        event.begin();
        long hw0 = counters.pagesHardware, sw0 = counters.pagesSoftware;
        long resub0 = counters.resubmissions, fallbacks0 = counters.fallbacks;
        try {
            for (int i = 0; i < n; i++) {
                QplJob job = jobs[i];
                job.prepareCompress(pages.get(i), pageSize, slots.get(i), pageSize - 1, dynamicHuffman);
                int status = submit(job);
                if (status == QplStatus.OK.code()) {
                    inFlight[i] = true;
                } else if (SoftwareJob.didNotShrink(status)) {
                    // A software-path job runs inside qpl_submit_job and reports its result there.
                    lengths[i] = pageSize;
                    counters.pagesHardware++;
                } else {
                    fallback("compress", submitFailure(status), status, i);
                    lengths[i] = compressOnSoftware(pages.get(i), slots.get(i), i);
                }
            }
            for (int i = 0; i < n; i++) {
                if (!inFlight[i]) {
                    continue;
                }
                int status = calls.waitFor(jobs[i].segment());
                // Only now: a wait that throws leaves the job in flight, for drain() to wait for.
                inFlight[i] = false;
                if (status == QplStatus.OK.code()) {
                    lengths[i] = SoftwareJob.streamLengthOrRaw(jobs[i].totalOut(), pageSize);
                    counters.pagesHardware++;
                } else if (SoftwareJob.didNotShrink(status)) {
                    lengths[i] = pageSize;
                    counters.pagesHardware++;
                } else {
                    fallback("compress", "wait failed", status, i);
                    lengths[i] = compressOnSoftware(pages.get(i), slots.get(i), i);
                }
            }
        } catch (RuntimeException | Error e) {
            drain(e);
            throw e;
        }
        event.end();
        if (event.shouldCommit()) {
            event.operation = "compress";
            event.path = jobPath.tierName();
            event.pages = n;
            event.pagesHardware = (int) (counters.pagesHardware - hw0);
            event.pagesSoftware = (int) (counters.pagesSoftware - sw0);
            event.pagesRaw = Batches.rawPages(lengths, n, pageSize);
            event.resubmissions = (int) (counters.resubmissions - resub0);
            event.fallbacks = (int) (counters.fallbacks - fallbacks0);
            event.bytesIn = (long) n * pageSize;
            event.bytesOut = Batches.outputBytes(lengths, n);
            event.commit();
        }
    }

    private int compressOnSoftware(MemorySegment page, MemorySegment slot, int index) {
        int length = software.compress(page, slot);
        counters.pagesSoftware++;
        if (software.lastCompressFailed()) {
            counters.fallbacks++;
            QplFallbackEvent.emit("compress", "software", "raw", "software compression failed",
                    software.lastStatus, index);
        }
        return length;
    }

    @Override
    public void decompress(List<MemorySegment> streams, List<MemorySegment> pages) throws CorruptPayloadException {
        checkOpen();
        Batches.checkDecompress(streams, pages, pageSize, maxPages);
        awaitLeftovers();
        int n = streams.size();
        QplBatchEvent event = new QplBatchEvent();
        event.begin();
        long hw0 = counters.pagesHardware, sw0 = counters.pagesSoftware;
        long resub0 = counters.resubmissions, fallbacks0 = counters.fallbacks;
        inflatedBytes = 0;
        CorruptPayloadException firstCorrupt = null;
        try {
            for (int i = 0; i < n; i++) {
                MemorySegment stream = streams.get(i);
                int length = (int) stream.byteSize();
                if (length == 0) {
                    // Nothing to hand to a device; the software path gives the verdict and the message.
                    firstCorrupt = first(firstCorrupt, decompressOnSoftware(stream, pages.get(i), i, null));
                    continue;
                }
                jobs[i].prepareDecompress(stream, length, pages.get(i), pageSize);
                int status = submit(jobs[i]);
                if (status == QplStatus.OK.code()) {
                    inFlight[i] = true;
                } else {
                    String reason = submitFailure(status);
                    fallback("decompress", reason, status, i);
                    firstCorrupt = first(firstCorrupt, decompressOnSoftware(stream, pages.get(i), i,
                            reason + ": " + QplStatus.describe(status)));
                }
            }
            for (int i = 0; i < n; i++) {
                if (!inFlight[i]) {
                    continue;
                }
                MemorySegment stream = streams.get(i);
                int status = calls.waitFor(jobs[i].segment());
                inFlight[i] = false;
                String failure = SoftwareJob.checkInflated(status, jobs[i], (int) stream.byteSize(), pageSize);
                if (failure == null) {
                    counters.pagesHardware++;
                    inflatedBytes += stream.byteSize();
                } else {
                    fallback("decompress", status == QplStatus.OK.code() ? "output is not one page" : "wait failed",
                            status, i);
                    firstCorrupt = first(firstCorrupt, decompressOnSoftware(stream, pages.get(i), i, failure));
                }
            }
        } catch (RuntimeException | Error e) {
            drain(e);
            throw e;
        }
        event.end();
        if (event.shouldCommit()) {
            event.operation = "decompress";
            event.path = jobPath.tierName();
            event.pages = n;
            event.pagesHardware = (int) (counters.pagesHardware - hw0);
            event.pagesSoftware = (int) (counters.pagesSoftware - sw0);
            event.resubmissions = (int) (counters.resubmissions - resub0);
            event.fallbacks = (int) (counters.fallbacks - fallbacks0);
            event.bytesIn = inflatedBytes;
            event.bytesOut = (long) (event.pagesHardware + event.pagesSoftware) * pageSize;
            event.commit();
        }
        if (firstCorrupt != null) {
            throw firstCorrupt;
        }
    }

    /** Retries one stream on the software path; returns the corruption, or null when it inflated. */
    private CorruptPayloadException decompressOnSoftware(MemorySegment stream, MemorySegment page, int index,
                                                         String hardwareFailure) {
        String failure = software.decompress(stream, page);
        if (failure != null) {
            String message = hardwareFailure == null ? failure
                    : failure + " (" + jobPath.tierName() + " path before: " + hardwareFailure + ")";
            return new CorruptPayloadException(index, message);
        }
        counters.pagesSoftware++;
        inflatedBytes += stream.byteSize();
        return null;
    }

    private static CorruptPayloadException first(CorruptPayloadException sofar, CorruptPayloadException next) {
        return sofar != null ? sofar : next;
    }

    /** Submits, repeating a busy answer up to {@code submitRetries} times; returns the last status. */
    private int submit(QplJob job) {
        MemorySegment segment = job.segment();
        int status = calls.submit(segment);
        for (int retry = 0; retry < submitRetries && status == QplStatus.QUEUES_ARE_BUSY_ERR.code(); retry++) {
            counters.resubmissions++;
            Thread.onSpinWait();
            status = calls.submit(segment);
        }
        return status;
    }

    private String submitFailure(int status) {
        return status == QplStatus.QUEUES_ARE_BUSY_ERR.code()
                ? "work queues still busy after " + submitRetries + " resubmissions"
                : "submit failed";
    }

    private void fallback(String operation, String reason, int status, int index) {
        counters.fallbacks++;
        QplFallbackEvent.emit(operation, jobPath.tierName(), "software", reason, status, index);
    }

    /**
     * Waits for every job still in flight before {@code failure} leaves this executor: the device may still be
     * reading a page or writing a slot. A wait that throws here too is added to {@code failure} and leaves its
     * job marked in flight, so that the next batch or {@link #close()} never reuses or frees it unawaited.
     */
    private void drain(Throwable failure) {
        for (int i = 0; i < maxPages; i++) {
            if (inFlight[i]) {
                try {
                    calls.waitFor(jobs[i].segment());
                    inFlight[i] = false;
                } catch (RuntimeException | Error e) {
                    failure.addSuppressed(e);
                }
            }
        }
    }

    /** Before a batch reuses the jobs: waits for any that an earlier batch's drain could not wait for. */
    private void awaitLeftovers() {
        for (int i = 0; i < maxPages; i++) {
            if (inFlight[i]) {
                try {
                    calls.waitFor(jobs[i].segment());
                } catch (RuntimeException | Error e) {
                    throw new IllegalStateException("job " + i + " of an earlier batch is still in flight: its "
                            + "wait failed again (" + e + "); this executor cannot reuse it", e);
                }
                inFlight[i] = false;
            }
        }
    }

    /** {@code pages_hardware} (pages of the batch path), {@code pages_software}, {@code resubmissions}, {@code fallbacks}. */
    @Override
    public MethodStatistics statistics() {
        return counters.snapshot();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("hardware batch executor is closed");
        }
    }

    private void closeJobs() {
        for (int i = 0; i < jobs.length; i++) {
            // A job whose wait never returned may still be read or written by the device: its memory is left
            // to the process rather than freed under it.
            if (jobs[i] != null && !inFlight[i]) {
                jobs[i].close();
                jobs[i] = null;
            }
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            try {
                awaitLeftovers();
            } catch (IllegalStateException stillInFlight) {
                // Nothing more to do than not freeing that job (closeJobs skips it).
            }
            closeJobs();
        } finally {
            software.close();
        }
    }
}
