package io.jmultifd.qpl.jobs;

import io.jmultifd.spi.CorruptPayloadException;
import io.jmultifd.spi.MethodStatistics;
import io.jmultifd.spi.PageCodec;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Objects;

/**
 * QPL's software path: one job, {@code qpl_execute_job} page after page; the {@code qpl} method's software tier.
 * A page that does not shrink goes raw; a compression the software path fails also goes raw (counted as a
 * fallback), since a raw page is always correct.
 *
 * <p>What QPL reports is all {@link #decompress} can check: a stream QPL rejects, or whose output is not one page.
 * QPL does not report where a stream ends nor whether it reached its final end-of-block code (its software path
 * returns OK for a stream cut just before it), so a few bytes of trailing data, or a missing end, can pass here;
 * the {@code qpl} method's receiver checks each stream exactly before any tier inflates it.
 */
public final class SoftwarePageExecutor implements PageCodec {
    private final int pageSize;
    private final int maxPages;
    private final SoftwareJob job;
    private final Counters counters = new Counters();
    private boolean closed;

    /** @throws QplException when the software job cannot be initialised */
    public SoftwarePageExecutor(int pageSize, int maxPages, boolean dynamicHuffman, QplCalls calls) {
        Batches.checkPageSize(pageSize, maxPages);
        this.pageSize = pageSize;
        this.maxPages = maxPages;
        this.job = new SoftwareJob(Objects.requireNonNull(calls, "calls"), pageSize, dynamicHuffman);
    }

    @Override
    public String tier() {
        return "software";
    }

    @Override
    public void compress(List<MemorySegment> pages, List<MemorySegment> slots, int[] lengths) {
        checkOpen();
        Batches.checkCompress(pages, slots, lengths, pageSize, maxPages);
        int n = pages.size();
        QplBatchEvent event = new QplBatchEvent();
        event.begin();
        long fallbacks0 = counters.fallbacks;
        for (int i = 0; i < n; i++) {
            int length = job.compress(pages.get(i), slots.get(i));
            if (job.lastCompressFailed()) {
                counters.fallbacks++;
                QplFallbackEvent.emit("compress", "software", "raw", "software compression failed",
                        job.lastStatus, i);
            }
            lengths[i] = length;
            counters.pagesSoftware++;
        }
        event.end();
        if (event.shouldCommit()) {
            event.operation = "compress";
            event.path = "software";
            event.pages = n;
            event.pagesSoftware = n;
            event.pagesRaw = Batches.rawPages(lengths, n, pageSize);
            event.fallbacks = (int) (counters.fallbacks - fallbacks0);
            event.bytesIn = (long) n * pageSize;
            event.bytesOut = Batches.outputBytes(lengths, n);
            event.commit();
        }
    }

    @Override
    public void decompress(List<MemorySegment> streams, List<MemorySegment> pages) throws CorruptPayloadException {
        checkOpen();
        Batches.checkDecompress(streams, pages, pageSize, maxPages);
        int n = streams.size();
        QplBatchEvent event = new QplBatchEvent();
        event.begin();
        long streamBytes = 0;
        for (int i = 0; i < n; i++) {
            MemorySegment stream = streams.get(i);
            String failure = job.decompress(stream, pages.get(i));
            if (failure != null) {
                throw new CorruptPayloadException(i, failure);
            }
            counters.pagesSoftware++;
            streamBytes += stream.byteSize();
        }
        event.end();
        if (event.shouldCommit()) {
            event.operation = "decompress";
            event.path = "software";
            event.pages = n;
            event.pagesSoftware = n;
            event.bytesIn = streamBytes;
            event.bytesOut = (long) n * pageSize;
            event.commit();
        }
    }

    /** {@code pages_software} and {@code fallbacks} (compressions sent raw because the software path failed). */
    @Override
    public MethodStatistics statistics() {
        return counters.snapshot();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("software page executor is closed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        job.close();
    }
}
