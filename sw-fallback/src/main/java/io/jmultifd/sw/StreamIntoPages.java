package io.jmultifd.sw;

import io.jmultifd.spi.CorruptPayloadException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The receive loop of the methods that send a packet's pages as one compressed stream ({@code zlib}, {@code zstd}):
 * decodes the stream straight into each destination page in turn, through the page's {@link ByteBuffer} view, so
 * nothing is copied and nothing lands outside a page; then requires the stream to end exactly after the last page.
 * Each method supplies its decoder and its names; the checks and the messages are the same for both. A stream
 * may also go on across a channel's packets, flushed at each packet's end ({@link #decodeFlushedPart}).
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
                ended = fill(decoder, target, page, n, pageSize, payloadSize);
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

    /**
     * Decodes one packet's part of a stream that goes on across the packets of a channel (flushed at the end of
     * each packet, never ended) into {@code targets}, each {@code pageSize} bytes, at least one: the part must fill
     * the pages exactly, be read whole, and leave no decoded byte behind for the next packet.
     *
     * @param probe a direct buffer of at least one byte, free to be written: decoding into it after the pages are
     *              full shows whether the part held more than the pages
     * @throws CorruptPayloadException naming the page where the part ends early or turns invalid, or the whole
     *         payload (-1) when it holds more than the pages, or when the stream ends (it must go on)
     */
    public void decodeFlushedPart(Decoder decoder, List<MemorySegment> targets, int pageSize, long payloadSize,
                                  ByteBuffer probe) throws CorruptPayloadException {
        int n = targets.size();
        int page = 0;
        try {
            for (; page < n; page++) {
                if (fill(decoder, targets.get(page).asByteBuffer(), page, n, pageSize, payloadSize)) {
                    throw new CorruptPayloadException(page, format + " " + unit + " ends; a channel's " + unit
                            + " must go on until the channel closes");
                }
            }
            page = -1;
            probe.clear().limit(1);
            boolean ended = decoder.decodeInto(probe);
            if (probe.position() != 0 || decoder.bytesRemaining() != 0 || ended) {
                throw new CorruptPayloadException(-1, format + " payload of " + payloadSize + " bytes holds more than "
                        + "the packet's " + n + " pages (" + (long) n * pageSize + " bytes)");
            }
        } catch (InvalidStream e) {
            throw new CorruptPayloadException(page, e.getMessage(), e.getCause());
        }
    }

    /** Decodes into one page until it is full; whether the stream ended there. */
    private boolean fill(Decoder decoder, ByteBuffer target, int page, int n, int pageSize, long payloadSize)
            throws CorruptPayloadException, InvalidStream {
        boolean ended = false;
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
        return ended;
    }
}
