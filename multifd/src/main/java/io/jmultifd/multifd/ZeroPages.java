package io.jmultifd.multifd;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** Zero-page detection: a vectorised {@link MemorySegment#mismatch} against a zero-filled segment. */
public final class ZeroPages {
    private static final int ZERO_CHUNK = 64 * 1024;
    private static final MemorySegment ZEROS = Arena.global().allocate(ZERO_CHUNK, 64);

    private ZeroPages() {}

    /** Whether every byte of {@code page} (any size) is zero. */
    public static boolean isZero(MemorySegment page) {
        long size = page.byteSize();
        for (long pos = 0; pos < size; pos += ZERO_CHUNK) {
            long len = Math.min(ZERO_CHUNK, size - pos);
            if (MemorySegment.mismatch(page, pos, pos + len, ZEROS, 0, len) != -1) {
                return false;
            }
        }
        return true;
    }
}
