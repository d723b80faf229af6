package io.jmultifd.spi;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * One tier of a per-page method: every page is compressed into a stream of its own and inflated from it
 * alone, so pages decode independently. The {@code qpl} method's hardware and software tiers (module
 * {@code jobs}) and its java tier (module {@code sw-fallback}) implement it, and its packet format runs over
 * any of them; a third party may implement it for a per-page method of its own. The engine never sees a
 * codec, only the {@link ChannelSender} / {@link ChannelReceiver} built on it.
 *
 * <p>It lives in the SPI, next to the exception and statistics types it uses, so that every tier implements it
 * directly: no tier needs an adapter or types of its own in parallel to these.
 *
 * <p>Used by one thread; {@link #close()} releases native state.
 */
public interface PageCodec extends AutoCloseable {

    /** The tier's name for statistics and messages, e.g. {@code "hardware"}, {@code "software"}, {@code "java"}. */
    String tier();

    /**
     * Compresses a batch of pages (a batch lets a device take every page before the first wait).
     *
     * @param pages   the source pages, {@code pageSize} bytes each; the guest may change them while they are read,
     *                which must never make the codec fail or read outside a page
     * @param slots   one output slot per page, at least {@code pageSize - 1} bytes each: output is capped there, so
     *                a page that does not shrink goes raw
     * @param lengths receives, per page, the stream length in {@code (0, pageSize)}, or {@code pageSize} when the
     *                page did not shrink (or could not be compressed) and must be sent raw
     * @throws IllegalArgumentException for a batch that does not fit the codec (a caller's bug, not bad input)
     */
    void compress(List<MemorySegment> pages, List<MemorySegment> slots, int[] lengths);

    /**
     * Inflates each stream into its page, {@code pageSize} bytes each.
     *
     * @throws CorruptPayloadException naming the first stream by its index in this batch when it does not inflate
     *         to exactly one page; nothing is written outside {@code pages}, and no native work on them is still
     *         running when it is thrown
     */
    void decompress(List<MemorySegment> streams, List<MemorySegment> pages) throws CorruptPayloadException;

    /**
     * What this codec did, counted here only: pages per tier (e.g. {@code pages_java}) and, where the tier has
     * them, its own events (e.g. {@code resubmissions}, {@code fallbacks}). Raw pages and payload bytes are the
     * packet format's counters, not the codec's.
     */
    MethodStatistics statistics();

    @Override
    void close();
}
