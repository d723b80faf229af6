package io.jmultifd.sw.perpage;

import io.jmultifd.spi.CorruptPayloadException;
import io.jmultifd.spi.MethodStatistics;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * One tier of the {@code qpl} per-page format: every page is its own raw DEFLATE (RFC 1951) stream, so
 * all back-references stay inside the page (IAA's 4 KiB history window) and every tier decodes every
 * other tier's pages. Implemented by the java tier here and by the QPL software and hardware tiers in
 * {@code accel-plugin}. Used by one thread; {@code close()} releases native state.
 */
public interface PageCodec extends AutoCloseable {

    /** {@code "hardware"}, {@code "software"} or {@code "java"}. */
    String tier();

    /**
     * Compresses a batch of pages (a batch lets the hardware tier submit all pages before waiting).
     *
     * @param pages   the source pages, {@code pageSize} bytes each; may change while being read
     * @param slots   one output slot per page, {@code pageSize - 1} bytes each: output is capped there so a
     *                page that does not shrink goes raw
     * @param lengths receives, per page, the stream length in {@code (0, pageSize)}, or {@code pageSize}
     *                when the page did not shrink and must be sent raw
     */
    void compress(List<MemorySegment> pages, List<MemorySegment> slots, int[] lengths);

    /**
     * Inflates each stream into its page. {@link PerPageReceiver} hands over only streams that
     * {@link DeflateStreamCheck} found to be exactly one page each; what a codec rejects beyond that is its
     * decoder's verdict.
     *
     * @throws CorruptPayloadException naming the page index when its decoder finds a stream invalid or not
     *         inflating to exactly one page; nothing is written outside {@code pages}
     */
    void decompress(List<MemorySegment> streams, List<MemorySegment> pages) throws CorruptPayloadException;

    /** Counters, e.g. {@code pages_java}, {@code bytes_in}, {@code bytes_out}. */
    MethodStatistics statistics();

    @Override
    void close();
}
