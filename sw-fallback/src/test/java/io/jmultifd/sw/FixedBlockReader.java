package io.jmultifd.sw;

import java.util.Arrays;

/**
 * Reads a raw DEFLATE stream written with the fixed Huffman code only, straight from RFC 1951 (3.2.3, 3.2.5,
 * 3.2.6), for what {@link java.util.zip.Inflater} cannot tell: which block types a stream uses, how long its
 * matches are and how far back they reach (IAA's history window is 4 KiB). It inflates too, as a second opinion.
 * A stored or dynamic block, or anything malformed, is an {@link IllegalArgumentException}.
 */
public final class FixedBlockReader {
    private static final int[] LENGTH_BASE = {3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51,
            59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
    private static final int[] LENGTH_EXTRA = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4,
            4, 5, 5, 5, 5, 0};
    private static final int[] DISTANCE_BASE = {1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385,
            513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
    private static final int[] DISTANCE_EXTRA = {0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10,
            10, 11, 11, 12, 12, 13, 13};

    /**
     * What a stream holds.
     *
     * @param blocks           blocks, all fixed
     * @param literals         literal symbols
     * @param matches          length/distance pairs
     * @param longestMatch     0 without matches
     * @param farthestDistance 0 without matches
     * @param endsWithMatch    whether the last symbol before the final end of block is a match
     * @param bytesRead        bytes up to and including the one that holds the final end-of-block code
     * @param output           the inflated bytes
     */
    public record Summary(int blocks, int literals, int matches, int longestMatch, int farthestDistance,
            boolean endsWithMatch, int bytesRead, byte[] output) {}

    private final byte[] in;
    private int bitPosition;

    private FixedBlockReader(byte[] in) {
        this.in = in;
    }

    public static Summary read(byte[] stream) {
        return new FixedBlockReader(stream).readAll();
    }

    private Summary readAll() {
        byte[] out = new byte[4096];
        int size = 0;
        int blocks = 0;
        int literals = 0;
        int matches = 0;
        int longest = 0;
        int farthest = 0;
        boolean lastWasMatch = false;
        boolean last;
        do {
            last = bits(1) == 1;
            int type = bits(2);
            if (type != 1) {
                throw new IllegalArgumentException("block " + blocks + " has type " + type + ", not 1 (fixed)");
            }
            blocks++;
            while (true) {
                int symbol = literalLengthSymbol();
                if (symbol < 256) {
                    out = room(out, size + 1);
                    out[size++] = (byte) symbol;
                    literals++;
                    lastWasMatch = false;
                } else if (symbol == 256) {
                    break;
                } else {
                    int index = symbol - 257;
                    if (index >= LENGTH_BASE.length) {
                        throw new IllegalArgumentException("length symbol " + symbol + " does not exist");
                    }
                    int length = LENGTH_BASE[index] + bits(LENGTH_EXTRA[index]);
                    int code = reversedBits(5);
                    if (code >= DISTANCE_BASE.length) {
                        throw new IllegalArgumentException("distance code " + code + " does not exist");
                    }
                    int distance = DISTANCE_BASE[code] + bits(DISTANCE_EXTRA[code]);
                    if (distance > size) {
                        throw new IllegalArgumentException("distance " + distance + " reaches before the start ("
                                + size + " bytes out)");
                    }
                    out = room(out, size + length);
                    for (int i = 0; i < length; i++, size++) {
                        out[size] = out[size - distance];
                    }
                    matches++;
                    longest = Math.max(longest, length);
                    farthest = Math.max(farthest, distance);
                    lastWasMatch = true;
                }
            }
        } while (!last);
        return new Summary(blocks, literals, matches, longest, farthest, lastWasMatch, (bitPosition + 7) / 8,
                Arrays.copyOf(out, size));
    }

    private static byte[] room(byte[] out, int size) {
        return size <= out.length ? out : Arrays.copyOf(out, Math.max(size, 2 * out.length));
    }

    /** RFC 1951 3.2.6: 7-bit codes 0-23 are 256-279; 8-bit 48-191 are 0-143, 192-199 280-287; 9-bit 400-511 144-255. */
    private int literalLengthSymbol() {
        int code = reversedBits(7);
        if (code <= 23) {
            return 256 + code;
        }
        code = code << 1 | bits(1);
        if (code >= 48 && code <= 191) {
            return code - 48;
        }
        if (code >= 192 && code <= 199) {
            return 280 + code - 192;
        }
        code = code << 1 | bits(1);
        return 144 + code - 400;
    }

    /** A Huffman code: its first bit is the most significant. */
    private int reversedBits(int n) {
        int code = 0;
        for (int i = 0; i < n; i++) {
            code = code << 1 | bits(1);
        }
        return code;
    }

    /** Extra bits and header fields: least significant bit first. */
    private int bits(int n) {
        int value = 0;
        for (int i = 0; i < n; i++) {
            if (bitPosition >= in.length * 8) {
                throw new IllegalArgumentException("stream of " + in.length + " bytes ends inside a block");
            }
            int bit = (in[bitPosition >>> 3] >>> (bitPosition & 7)) & 1;
            value |= bit << i;
            bitPosition++;
        }
        return value;
    }
}
