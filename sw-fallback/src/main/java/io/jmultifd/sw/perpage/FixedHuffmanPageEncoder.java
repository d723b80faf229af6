package io.jmultifd.sw.perpage;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One-pass raw DEFLATE (RFC 1951) of one page as a single final block with the fixed Huffman code (block type
 * 01), the java tier's {@code qpl-huffman=fixed}. {@link java.util.zip.Deflater} cannot be asked for fixed
 * blocks, and what zlib spends building a Huffman tree per page costs more than its match search; this encoder
 * writes the fixed code straight away, as QPL's software path and IAA do.
 *
 * <p>Matches are found greedily through a hash table of the last position of each 4-byte prefix (one candidate),
 * and reach back at most {@value #WINDOW} bytes, IAA's history window, so that the hardware path decodes every
 * page whatever its size. The table is not cleared per page: positions are stored plus a base that grows by a
 * page plus the window per page, so an entry from an earlier page is always farther back than the window and is
 * never taken for a match.
 *
 * <p>The page is read in place, more than once per byte, while the guest may write it. The stream stays valid
 * whatever the bytes do meanwhile: every symbol is decided from what was read once (a literal carries the byte
 * read, a match has a length 4..258 within what is left of the page and a distance 1..{@value #WINDOW} within
 * what was already emitted), so it always inflates to exactly one page; a page written meanwhile is dirty and
 * sent again.
 */
final class FixedHuffmanPageEncoder implements PageCompressor {
    /** Farthest back a match may reach: IAA's history window. */
    static final int WINDOW = 4096;
    static final int MIN_MATCH = 4;
    static final int MAX_MATCH = 258;

    private static final ValueLayout.OfInt INT_LE =
            ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG_LE =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int HASH_BITS = 12;
    /** A base from which an empty (zero) table entry lies farther back than the window. */
    static final int LOWEST_BASE = WINDOW + 1;
    private static final int END_OF_BLOCK_BITS = 7; // symbol 256 is seven 0 bits in the fixed code
    // Each table entry packs a code, already bit-reversed as DEFLATE sends Huffman codes, with its extra bits
    // above it (low 16 bits), and the total bit count (high 16 bits).
    private static final int[] LITERAL = new int[256];
    private static final int[] LENGTH = new int[MAX_MATCH + 1];
    private static final int[] DISTANCE = new int[WINDOW + 1];

    static {
        for (int b = 0; b < 256; b++) {
            LITERAL[b] = fixedLiteralLengthCode(b);
        }
        // RFC 1951 3.2.5: length symbols 257..285 with their base lengths and extra bits.
        int[] lengthBase = {3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115,
                131, 163, 195, 227, 258};
        int[] lengthExtra = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
        for (int i = 0; i < lengthBase.length; i++) {
            int code = fixedLiteralLengthCode(257 + i);
            int last = i + 1 < lengthBase.length ? Math.min(lengthBase[i + 1] - 1, MAX_MATCH) : MAX_MATCH;
            for (int length = lengthBase[i]; length <= last; length++) {
                LENGTH[length] = withExtra(code, length - lengthBase[i], lengthExtra[i]);
            }
        }
        // Distance codes 0..23 (5-bit fixed codes) cover 1..4096.
        int[] distanceBase = {1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025,
                1537, 2049, 3073};
        for (int c = 0; c < distanceBase.length; c++) {
            int extraBits = c < 4 ? 0 : c / 2 - 1;
            int code = reversed(c, 5) | 5 << 16;
            for (int d = distanceBase[c]; d < distanceBase[c] + (1 << extraBits); d++) {
                DISTANCE[d] = withExtra(code, d - distanceBase[c], extraBits);
            }
        }
    }

    private final int pageSize;
    private final int[] table = new int[1 << HASH_BITS];
    /** Added to every position stored in {@link #table}; see the class comment. */
    private int base;
    private final int baseStep;

    FixedHuffmanPageEncoder(int pageSize) {
        this(pageSize, LOWEST_BASE);
    }

    /** {@code firstBase}: at least {@link #LOWEST_BASE}; tests start close to where the base wraps. */
    FixedHuffmanPageEncoder(int pageSize, int firstBase) {
        if (firstBase < LOWEST_BASE) {
            throw new IllegalArgumentException("first base " + firstBase + " is below " + LOWEST_BASE);
        }
        this.pageSize = pageSize;
        this.baseStep = pageSize + WINDOW + 1;
        this.base = firstBase;
    }

    @Override
    public int compress(MemorySegment page, MemorySegment slot) {
        nextPage();
        final int end = pageSize;
        final int limit = pageSize - 1; // a stream of a page or more is no gain: the page goes raw
        final int base = this.base;
        final int[] table = this.table;
        long bits = 0b011; // BFINAL = 1, BTYPE = 01 (fixed Huffman)
        int bitCount = 3;
        int out = 0;
        int pos = 0;
        while (pos <= end - MIN_MATCH) {
            int prefix = page.get(INT_LE, pos);
            int h = (prefix * 0x9E3779B1) >>> (32 - HASH_BITS);
            int candidate = table[h] - base;
            table[h] = pos + base;
            int distance = pos - candidate;
            if (distance <= WINDOW && page.get(INT_LE, candidate) == prefix) {
                int length = MIN_MATCH + matchLength(page, candidate + MIN_MATCH, pos + MIN_MATCH,
                        Math.min(end - pos, MAX_MATCH) - MIN_MATCH);
                int l = LENGTH[length];
                int d = DISTANCE[distance];
                bits |= (long) ((l & 0xFFFF) | (d & 0xFFFF) << (l >>> 16)) << bitCount;
                bitCount += (l >>> 16) + (d >>> 16);
                pos += length;
            } else {
                int symbol = LITERAL[prefix & 0xFF];
                bits |= (long) (symbol & 0xFFFF) << bitCount;
                bitCount += symbol >>> 16;
                pos++;
            }
            if (bitCount >= 32) {
                if (out + 4 > limit) {
                    return pageSize; // at least 4 more bytes to come: it does not fit
                }
                slot.set(INT_LE, out, (int) bits);
                out += 4;
                bits >>>= 32;
                bitCount -= 32;
            }
        }
        while (pos < end) {
            int symbol = LITERAL[page.get(ValueLayout.JAVA_BYTE, pos) & 0xFF];
            bits |= (long) (symbol & 0xFFFF) << bitCount;
            bitCount += symbol >>> 16;
            pos++;
            if (bitCount >= 32) {
                if (out + 4 > limit) {
                    return pageSize;
                }
                slot.set(INT_LE, out, (int) bits);
                out += 4;
                bits >>>= 32;
                bitCount -= 32;
            }
        }
        bitCount += END_OF_BLOCK_BITS;
        int lastBytes = (bitCount + 7) >>> 3;
        if (out + lastBytes > limit) {
            return pageSize;
        }
        for (int i = 0; i < lastBytes; i++) {
            slot.set(ValueLayout.JAVA_BYTE, out++, (byte) bits);
            bits >>>= 8;
        }
        return out;
    }

    @Override
    public void close() {
        // Heap memory only.
    }

    /**
     * Moves the base a step on: an entry of the last page, at most {@code pageSize - 1} plus the old base, lies
     * more than the window back from every position of this one. Only when a position plus the base could
     * overflow is the table cleared, and its zeros lie {@link #LOWEST_BASE} back.
     */
    private void nextPage() {
        if ((long) base + baseStep + pageSize > Integer.MAX_VALUE) {
            Arrays.fill(table, 0);
            base = LOWEST_BASE;
        } else {
            base += baseStep;
        }
    }

    /** How many bytes (at most {@code max}) at {@code a} equal those at {@code b}, eight at a time. */
    private static int matchLength(MemorySegment page, int a, int b, int max) {
        int n = 0;
        while (n + Long.BYTES <= max) {
            long diff = page.get(LONG_LE, a + n) ^ page.get(LONG_LE, b + n);
            if (diff != 0) {
                return n + (Long.numberOfTrailingZeros(diff) >>> 3);
            }
            n += Long.BYTES;
        }
        while (n < max && page.get(ValueLayout.JAVA_BYTE, a + n) == page.get(ValueLayout.JAVA_BYTE, b + n)) {
            n++;
        }
        return n;
    }

    /** RFC 1951 3.2.6: the fixed code of literal/length symbol {@code s}, reversed, with its bit count. */
    private static int fixedLiteralLengthCode(int s) {
        if (s < 144) {
            return reversed(0b0011_0000 + s, 8) | 8 << 16;
        } else if (s < 256) {
            return reversed(0b1_1001_0000 + s - 144, 9) | 9 << 16;
        } else if (s < 280) {
            return reversed(s - 256, 7) | 7 << 16;
        }
        return reversed(0b1100_0000 + s - 280, 8) | 8 << 16;
    }

    private static int withExtra(int code, int extra, int extraBits) {
        int codeBits = code >>> 16;
        return (code & 0xFFFF) | extra << codeBits | (codeBits + extraBits) << 16;
    }

    private static int reversed(int code, int bits) {
        return Integer.reverse(code) >>> (32 - bits);
    }
}
