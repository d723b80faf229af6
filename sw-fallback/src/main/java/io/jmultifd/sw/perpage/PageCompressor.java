package io.jmultifd.sw.perpage;

import java.lang.foreign.MemorySegment;

/** How the java tier turns one page into one raw DEFLATE stream; one per codec, used by one thread at a time. */
interface PageCompressor extends AutoCloseable {
    /**
     * Compresses {@code page} (one page) into {@code slot} (at most page size - 1 bytes are used); returns the
     * stream's length, or the page size when the stream does not fit (the page does not shrink: it goes raw).
     */
    int compress(MemorySegment page, MemorySegment slot);

    @Override
    void close();
}
