package io.jmultifd.qpl.jobs;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Objects;

/**
 * QPL's software path: one job, {@code qpl_execute_job} page after page. A page that does not shrink goes raw;
 * a compression the software path fails also goes raw (counted as a fallback), since a raw page is always
 * correct.
 */
public final class SoftwarePageExecutor implements PageExecutor {
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
        long raw0 = counters.pagesRaw;
        long fallbacks0 = counters.fallbacks;
        long out0 = counters.bytesOut;
        for (int i = 0; i < n; i++) {
            int length = job.compress(pages.get(i), slots.get(i));
            if (job.lastCompressFailed()) {
                counters.fallbacks++;
                QplFallbackEvent.emit("compress", "software", "raw", "software compression failed",
                        job.lastStatus, i);
            }
            lengths[i] = length;
            counters.pagesSoftware++;
            if (length == pageSize) {
                counters.pagesRaw++;
            }
            counters.bytesOut += length;
        }
        counters.bytesIn += (long) n * pageSize;
        event.end();
        if (event.shouldCommit()) {
            event.operation = "compress";
            event.path = "software";
            event.pages = n;
            event.pagesSoftware = n;
            event.pagesRaw = (int) (counters.pagesRaw - raw0);
            event.fallbacks = (int) (counters.fallbacks - fallbacks0);
            event.bytesIn = (long) n * pageSize;
            event.bytesOut = counters.bytesOut - out0;
            event.commit();
        }
    }

    @Override
    public void decompress(List<MemorySegment> streams, List<MemorySegment> pages) throws CorruptStreamException {
        checkOpen();
        Batches.checkDecompress(streams, pages, pageSize, maxPages);
        int n = streams.size();
        QplBatchEvent event = new QplBatchEvent();
        event.begin();
        long in0 = counters.bytesIn;
        for (int i = 0; i < n; i++) {
            MemorySegment stream = streams.get(i);
            String failure = job.decompress(stream, pages.get(i));
            if (failure != null) {
                throw new CorruptStreamException(i, job.lastStatus, failure);
            }
            counters.pagesSoftware++;
            counters.bytesIn += stream.byteSize();
            counters.bytesOut += pageSize;
        }
        event.end();
        if (event.shouldCommit()) {
            event.operation = "decompress";
            event.path = "software";
            event.pages = n;
            event.pagesSoftware = n;
            event.bytesIn = counters.bytesIn - in0;
            event.bytesOut = (long) n * pageSize;
            event.commit();
        }
    }

    @Override
    public QplStatistics statistics() {
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
