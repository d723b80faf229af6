package io.jmultifd.multifd.ram;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Zero-page detection on the sender threads (or the main thread in {@code legacy} mode).
 *
 * <p>Most pages are not zero and say so in their first word, so that word is looked at alone first (as QEMU's
 * buffer_is_zero does). The rest is OR-ed together in 128-byte chunks: one accumulator per chunk is a loop
 * C2 vectorises, and a chunk is short enough to stop early on a page that is zero only at its start. Measured
 * with bench's ZeroPageBenchmark against the C memcmp scan: this beat MemorySegment.mismatch against a zero
 * buffer, several accumulators, and chunks of 64 to 1024 bytes.
 */
public final class ZeroPages {
    private static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final int CHUNK = 128;

    private ZeroPages() {}

    /** Whether every byte of {@code page} (any size) is zero. */
    public static boolean isZero(MemorySegment page) {
        long size = page.byteSize();
        if (size >= WORD.byteSize() && page.get(WORD, 0) != 0) {
            return false;
        }
        long chunked = size & -CHUNK;
        for (long pos = 0; pos < chunked; pos += CHUNK) {
            long bits = 0;
            for (long k = 0; k < CHUNK; k += WORD.byteSize()) {
                bits |= page.get(WORD, pos + k);
            }
            if (bits != 0) {
                return false;
            }
        }
        for (long pos = chunked; pos < size; pos++) {
            if (page.get(ValueLayout.JAVA_BYTE, pos) != 0) {
                return false;
            }
        }
        return true;
    }
}
