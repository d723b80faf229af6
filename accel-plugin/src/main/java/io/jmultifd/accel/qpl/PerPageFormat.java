package io.jmultifd.accel.qpl;

import io.jmultifd.spi.CorruptPayloadException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The {@code qpl} per-page payload: one big-endian u32 length per page, then the page payloads in order.
 * A length equal to the page size means the page is sent raw; a length in {@code (0, pageSize)} is a raw
 * DEFLATE (RFC 1951) stream that inflates to exactly one page; anything else is corrupt.
 */
final class PerPageFormat {
    /** Bytes of one length field. */
    public static final int LENGTH_BYTES = 4;

    /** A length field: u32, big-endian, at any offset (lengths follow a packet header of any size). */
    public static final ValueLayout.OfInt LENGTH =
            ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private PerPageFormat() {}

    /** Size of the length header of {@code pages} pages. */
    public static long headerSize(int pages) {
        return (long) LENGTH_BYTES * pages;
    }

    /** The largest legal payload of {@code pages} pages: the header plus every page raw. */
    public static long maxPayloadSize(int pages, int pageSize) {
        if (pages < 0) {
            throw new IllegalArgumentException("page count must not be negative, got " + pages);
        }
        return headerSize(pages) + (long) pages * pageSize;
    }

    /** Whether {@code length} is a legal page length: 1..pageSize ({@code pageSize} meaning raw). */
    public static boolean isValidLength(int length, int pageSize) {
        return length > 0 && length <= pageSize;
    }

    /**
     * Reads and checks the length header of a payload before anything is written anywhere: the payload
     * holds the header, every length is in {@code 1..pageSize}, and header plus lengths is exactly the
     * payload size.
     *
     * @param lengths receives the {@code pages} lengths; at least {@code pages} long
     */
    public static void readLengths(MemorySegment payload, int pages, int pageSize, int[] lengths)
            throws CorruptPayloadException {
        long header = headerSize(pages);
        long payloadSize = payload.byteSize();
        if (payloadSize < header) {
            throw new CorruptPayloadException(-1, "payload of " + payloadSize + " bytes is shorter than the "
                    + header + "-byte length header of " + pages + " pages");
        }
        long total = header;
        for (int i = 0; i < pages; i++) {
            int length = payload.get(LENGTH, (long) LENGTH_BYTES * i);
            if (!isValidLength(length, pageSize)) {
                // u32 on the wire: show values >= 2^31 as the unsigned number that was sent.
                throw new CorruptPayloadException(i, "length " + Integer.toUnsignedString(length)
                        + " is outside 1.." + pageSize + " (the page size; " + pageSize + " means raw)");
            }
            lengths[i] = length;
            total += length;
        }
        if (total != payloadSize) {
            throw new CorruptPayloadException(-1, "length header of " + pages + " pages adds up to " + total
                    + " bytes (" + header + " header + " + (total - header) + " page data) but the payload has "
                    + payloadSize + " bytes");
        }
    }
}
