package io.jmultifd.multifd;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Zero-page detection: a vectorised {@link MemorySegment#mismatch} against a zero-filled segment. */
public final class ZeroPages {
    private static final int ZERO_CHUNK = 64 * 1024;
    private static final MemorySegment ZEROS = Arena.global().allocate(ZERO_CHUNK, 64);
    private static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG_UNALIGNED;

    private ZeroPages() {}

    /** Whether every byte of {@code page} (any size) is zero. */
    public static boolean isZero(MemorySegment page) {
        long size = page.byteSize();
        // Most pages that are not zero say so in their first word: answer those without the set-up cost of a
        // vectorised compare (QEMU's buffer_is_zero looks at the first bytes first for the same reason).
        if (size >= WORD.byteSize() && page.get(WORD, 0) != 0) {
            return false;
        }
        for (long pos = 0; pos < size; pos += ZERO_CHUNK) {
            long len = Math.min(ZERO_CHUNK, size - pos);
            if (MemorySegment.mismatch(page, pos, pos + len, ZEROS, 0, len) != -1) {
                return false;
            }
        }
        return true;
    }
}
