package io.jmultifd.sw;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The argument checks every sender and receiver of this module makes on a packet's pages before touching
 * them. A failure here is a caller's bug (the engine sized the packet), not bad input from the wire, so it is
 * an {@link IllegalArgumentException} / {@link IllegalStateException}, never a corrupt-payload error.
 */
public final class PacketChecks {
    private PacketChecks() {
    }

    /** Refuses use after {@code close()}; {@code what} names the object, e.g. {@code "zlib sender"}. */
    public static void requireOpen(boolean closed, String what) {
        if (closed) {
            throw new IllegalStateException(what + " is closed");
        }
    }

    /**
     * Checks that a packet has at most {@code maxPages} pages of exactly {@code pageSize} bytes each.
     *
     * @param role what the segments are in the message, {@code "page"} (sender) or {@code "target"} (receiver)
     * @param offHeap whether every page must be native memory (zstd-jni's streaming calls need direct buffers)
     */
    public static void checkPages(List<MemorySegment> pages, int pageSize, int maxPages, String role,
            boolean offHeap) {
        int n = pages.size();
        if (n > maxPages) {
            throw new IllegalArgumentException(n + " pages in one packet, more than maxPagesPerPacket " + maxPages);
        }
        for (int i = 0; i < n; i++) {
            MemorySegment page = pages.get(i);
            if (page.byteSize() != pageSize) {
                throw new IllegalArgumentException(role + " " + i + " has " + page.byteSize()
                        + " bytes, not the page size " + pageSize);
            }
            if (offHeap && !page.isNative()) {
                throw new IllegalArgumentException(role + " " + i + " is on the heap; this method needs off-heap "
                        + "pages");
            }
        }
    }

    /** Refuses a negative page count given to {@code maxPayloadSize}. */
    public static void checkPageCount(int pageCount) {
        if (pageCount < 0) {
            throw new IllegalArgumentException("page count must not be negative, got " + pageCount);
        }
    }
}
