package io.jmultifd.qpl.jobs;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Compresses and inflates batches of pages, one raw DEFLATE stream per page, with QPL jobs. The same
 * contract as the {@code qpl} method's page codecs, without depending on them.
 */
public interface PageExecutor extends AutoCloseable {

    /** {@code "hardware"} or {@code "software"}. */
    String tier();

    /**
     * @param pages   source pages, {@code pageSize} bytes each, off-heap; may change while being read
     * @param slots   one output slot per page, at least {@code pageSize - 1} bytes, off-heap
     * @param lengths receives per page the stream length in {@code (0, pageSize)}, or {@code pageSize} for raw
     */
    void compress(List<MemorySegment> pages, List<MemorySegment> slots, int[] lengths);

    /**
     * Inflates each stream into its page, {@code pageSize} bytes each; nothing is written outside the pages.
     *
     * <p>What QPL reports is all this can check: a stream QPL rejects, or whose output is not one page. QPL does
     * not report where a stream ends nor whether it reached its final end-of-block code (its software path
     * returns OK for a stream cut just before it), so a few bytes of trailing data, or a missing end, can pass
     * here; callers that need the per-page format's exact rule check each stream first (sw-fallback's
     * {@code DeflateStreamCheck}, which the format's receiver runs).
     *
     * @throws CorruptStreamException naming the first stream (by index) that does not inflate to exactly one
     *         page on any path; no job is still running when it is thrown
     */
    void decompress(List<MemorySegment> streams, List<MemorySegment> pages) throws CorruptStreamException;

    QplStatistics statistics();

    @Override
    void close();
}
