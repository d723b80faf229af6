package io.jmultifd.sw;

import io.jmultifd.spi.CorruptPayloadException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The receive loop of the methods that send a packet's pages as one compressed stream ({@code zlib}, {@code zstd}):
 * decodes the stream straight into each destination page in turn, through the page's {@link ByteBuffer} view, so
 * nothing is copied and nothing lands outside a page; then requires the stream to end exactly after the last page.
 * Each method supplies its decoder and its names; the checks and the messages are the same for both.
 */
public final class StreamIntoPages {

    /** One streaming decoder over the whole payload, set up for a new stream. */
    public interface Decoder {
        /**
         * Decodes as much as it can now into {@code target} (up to its limit).
         *
         * @return whether the stream has ended
         * @throws InvalidStream for a stream the decoder finds invalid
         */
        boolean decodeInto(ByteBuffer target) throws InvalidStream;

        /** Payload bytes the decoder has taken so far. */
        long bytesRead();

        /** Payload bytes it has not taken yet. */
        long bytesRemaining();
    }

    /** The decoder's verdict on an invalid stream; the loop adds the page it was decoding. */
    public static final class InvalidStream extends Exception {
        /** @param message the whole message, e.g. {@code "invalid zlib stream: invalid block type"} */
        public InvalidStream(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final String format;
    private final String unit;
    private final String missingEnd;

    /**
     * @param format     the method, in messages: {@code "zlib"}
     * @param unit       what one packet's stream is called: {@code "stream"}, {@code "frame"}
     * @param missingEnd what a stream that stops before its end lacks, e.g. {@code " (end of block or Adler-32
     *                   missing)"}, or empty
     */
    public StreamIntoPages(String format, String unit, String missingEnd) {
        this.format = format;
        this.unit = unit;
        this.missingEnd = missingEnd;
    }

    /**
     * Decodes one packet's stream into {@code targets}, each {@code pageSize} bytes, at least one.
     *
     * @param payloadSize the payload's size, for messages
     * @throws CorruptPayloadException naming the page where the stream ends early or turns invalid, or the whole
     *         payload (-1) when it holds more than the pages, stops before its end, or has bytes after it
     */
    public void decode(Decoder decoder, List<MemorySegment> targets, int pageSize, long payloadSize)
            throws CorruptPayloadException {
        int n = targets.size();
        int page = 0;
        try {
            boolean ended = false;
            ByteBuffer target = null;
            for (; page < n; page++) {
                target = targets.get(page).asByteBuffer();
                while (target.hasRemaining()) {
                    int written = target.position();
                    long read = decoder.bytesRead();
                    ended = decoder.decodeInto(target);
                    if (ended && target.hasRemaining()) {
                        throw new CorruptPayloadException(page, format + " " + unit + " ends after "
                                + target.position() + " of the page's " + pageSize + " bytes; the packet has " + n
                                + " pages");
                    }
                    if (target.position() == written && decoder.bytesRead() == read) {
                        throw new CorruptPayloadException(page, format + " payload of " + payloadSize
                                + " bytes ends inside the page, after " + target.position() + " of its " + pageSize
                                + " bytes");
                    }
                }
            }
            page = -1;
            // All pages are full: only output-free parts of the stream (its last block's end, a checksum) may be
            // left. Decoding into the full last page makes progress only on such parts.
            while (!ended) {
                long read = decoder.bytesRead();
                ended = decoder.decodeInto(target);
                if (!ended && decoder.bytesRead() == read) {
                    throw new CorruptPayloadException(-1, decoder.bytesRemaining() == 0
                            ? format + " payload of " + payloadSize + " bytes ends before the end of its " + unit
                                    + missingEnd
                            : format + " " + unit + " holds more than the packet's " + n + " pages ("
                                    + (long) n * pageSize + " bytes)");
                }
            }
        } catch (InvalidStream e) {
            throw new CorruptPayloadException(page, e.getMessage(), e.getCause());
        }
        long trailing = decoder.bytesRemaining();
        if (trailing != 0) {
            throw new CorruptPayloadException(-1, trailing + " bytes of trailing data after the end of the " + format
                    + " " + unit + " (" + payloadSize + " bytes in all)");
        }
    }
}
