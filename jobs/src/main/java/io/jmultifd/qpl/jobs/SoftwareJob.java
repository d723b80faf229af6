package io.jmultifd.qpl.jobs;

import java.lang.foreign.MemorySegment;

/**
 * One software-path job and what it does to one page; used by {@link SoftwarePageExecutor} for every page and
 * by {@link HardwareBatchExecutor} for the pages the hardware could not take. Counts nothing itself: the
 * executor knows which tier a page is counted on.
 */
final class SoftwareJob implements AutoCloseable {
    private final QplJob job;
    private final QplCalls calls;
    private final int pageSize;
    private final boolean dynamicHuffman;
    /** The {@code qpl_status} of the last call, for fallback events and exception messages. */
    int lastStatus;

    SoftwareJob(QplCalls calls, int pageSize, boolean dynamicHuffman) {
        this.calls = calls;
        this.pageSize = pageSize;
        this.dynamicHuffman = dynamicHuffman;
        this.job = QplJob.open(QplPath.SOFTWARE);
    }

    /**
     * Compresses one page into its slot. Returns the stream length in {@code (0, pageSize)}, or {@code pageSize}
     * when the page must go raw: it did not shrink, or (then {@link #lastStatus} is not OK and not a
     * "did not shrink" status) the software path failed, which must never lose the page.
     */
    int compress(MemorySegment page, MemorySegment slot) {
        job.prepareCompress(page, pageSize, slot, pageSize - 1, dynamicHuffman);
        int status = calls.execute(job.segment());
        lastStatus = status;
        if (status == QplStatus.OK.code()) {
            return streamLengthOrRaw(job.totalOut(), pageSize);
        }
        return pageSize;
    }

    /** True when the last compress failed for another reason than "the output does not fit". */
    boolean lastCompressFailed() {
        return lastStatus != QplStatus.OK.code() && !didNotShrink(lastStatus);
    }

    /** Inflates one stream into its page; returns null when it gave exactly one page, else why not. */
    String decompress(MemorySegment stream, MemorySegment page) {
        int length = Math.toIntExact(stream.byteSize());
        if (length == 0) {
            lastStatus = QplStatus.OK.code();
            return "empty DEFLATE stream";
        }
        job.prepareDecompress(stream, length, page, pageSize);
        int status = calls.execute(job.segment());
        lastStatus = status;
        return checkInflated(status, job, length, pageSize);
    }

    /** A finished compression's output length, or {@code pageSize} (raw) when it is not a usable stream. */
    static int streamLengthOrRaw(int totalOut, int pageSize) {
        return totalOut > 0 && totalOut < pageSize ? totalOut : pageSize;
    }

    /**
     * Statuses that mean "the compressed page does not fit in {@code pageSize - 1} bytes": the page is sent
     * raw, which is not a failure. The software path says MORE_OUTPUT_NEEDED; the hardware path may report the
     * overflow as DST_IS_SHORT_ERR or INTL_OUTPUT_OVERFLOW.
     */
    static boolean didNotShrink(int status) {
        return status == QplStatus.MORE_OUTPUT_NEEDED.code()
                || status == QplStatus.DST_IS_SHORT_ERR.code()
                || status == QplStatus.INTL_OUTPUT_OVERFLOW.code();
    }

    /** Whether a finished inflate produced exactly one page from the whole stream; null if so, else why not. */
    static String checkInflated(int status, QplJob job, int streamLength, int pageSize) {
        if (status == QplStatus.MORE_OUTPUT_NEEDED.code()) {
            return "DEFLATE stream of " + streamLength + " bytes inflates to more than one page (" + pageSize
                    + " bytes)";
        }
        if (status != QplStatus.OK.code()) {
            return "invalid DEFLATE stream of " + streamLength + " bytes: " + QplStatus.describe(status) + " - "
                    + QplStatus.fromCode(status).description();
        }
        int out = job.totalOut();
        if (out != pageSize) {
            return "DEFLATE stream of " + streamLength + " bytes inflates to " + out + " bytes, not one page ("
                    + pageSize + " bytes); truncated?";
        }
        // QPL does not say where a stream ends: its software path counts in total_in what its 64-bit bit reader
        // loaded, up to 7 bytes past the end, and its hardware path the whole input. A count below the length
        // still proves data after the end, but not how much; the per-page format's receiver checks every stream
        // exactly before it gets here (the qpl method's DeflateStreamCheck).
        int in = job.totalIn();
        if (in < streamLength) {
            return "trailing data after the end of the DEFLATE stream: it ends within the first " + in + " of its "
                    + streamLength + " bytes";
        }
        return null;
    }

    @Override
    public void close() {
        job.close();
    }
}
