package io.jmultifd.accel.qpl;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Decides whether a byte string is what the per-page format calls a compressed page: one complete raw DEFLATE
 * stream (RFC 1951) whose final block ends in its last byte, and that inflates to exactly one page. It walks the
 * stream's blocks and every code in them, checks them by zlib's rules, and counts the bytes they stand for; it
 * writes no output.
 *
 * <p>{@link PerPageReceiver} runs it on every stream of a packet before any tier inflates one, so that every tier
 * rejects exactly the same byte strings, with the same message. The tiers' own decoders cannot give that verdict:
 * QPL 1.9's software path counts in {@code total_in} the bytes its 64-bit bit reader has loaded (up to 7 past the
 * end of the stream), and returns {@code QPL_STS_OK} for a stream cut before its final end-of-block code as long
 * as the output is complete; its hardware path, by QPL's source, reports the whole input as read.
 *
 * <p>One instance per receiver: its tables are reused from stream to stream. Not thread-safe.
 */
final class DeflateStreamCheck {
    private static final int MAX_BITS = 15;
    /**
     * Literal/length codes up to this length are found with one look-up, longer ones (rare by construction) bit
     * by bit; distance codes up to {@link #DISTANCE_FAST_BITS}. Small tables: every dynamic block rebuilds them.
     */
    private static final int LITERAL_FAST_BITS = 10;
    private static final int DISTANCE_FAST_BITS = 8;
    /** Code length codes are at most 7 bits long: one look-up each. */
    private static final int CODE_LENGTH_FAST_BITS = 7;
    /** Fast-table entry of a code longer than the table's bits. 0 means: no code starts with these bits. */
    private static final int LONG_CODE = -1;
    private static final VarHandle LITTLE_ENDIAN_LONG =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private static final int[] CODE_LENGTH_ORDER = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1,
            15};
    private static final int[] LENGTH_BASE = {3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51,
            59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
    private static final int[] LENGTH_EXTRA = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4,
            5, 5, 5, 5, 0};
    private static final int[] DISTANCE_BASE = {1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385,
            513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
    private static final int[] DISTANCE_EXTRA = {0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9,
            10, 10, 11, 11, 12, 12, 13, 13};

    /** The fixed codes of RFC 1951 3.2.6, built once: 288 literal/length codes, 32 distance codes. */
    private static final Code FIXED_LITERALS = new Code(288, LITERAL_FAST_BITS);
    private static final Code FIXED_DISTANCES = new Code(32, DISTANCE_FAST_BITS);

    static {
        int[] lengths = new int[288];
        Arrays.fill(lengths, 0, 144, 8);
        Arrays.fill(lengths, 144, 256, 9);
        Arrays.fill(lengths, 256, 280, 7);
        Arrays.fill(lengths, 280, 288, 8);
        FIXED_LITERALS.build(lengths, 0, 288, false, "");
        Arrays.fill(lengths, 0, 32, 5);
        FIXED_DISTANCES.build(lengths, 0, 32, false, "");
    }

    private final int pageSize;
    private final Code codeLengthCode = new Code(19, CODE_LENGTH_FAST_BITS);
    private final Code literalCode = new Code(288, LITERAL_FAST_BITS);
    private final Code distanceCode = new Code(32, DISTANCE_FAST_BITS);
    private final int[] lengths = new int[286 + 30];
    private byte[] input = new byte[0];

    // The stream being checked: its bytes, a little-endian bit buffer in front of them, and the output so far.
    private int length;
    private int position;
    private long bitBuffer;
    private int bitCount;
    private int produced;

    /** @param pageSize the number of bytes a stream must inflate to */
    public DeflateStreamCheck(int pageSize) {
        if (pageSize <= 0) {
            throw new IllegalArgumentException("page size must be positive, got " + pageSize);
        }
        this.pageSize = pageSize;
    }

    /**
     * @return null when {@code stream} is one complete raw DEFLATE stream that ends in its last byte and inflates
     *         to exactly one page; otherwise why not, with the numbers (trailing bytes, bytes inflated)
     */
    public String check(MemorySegment stream) {
        long size = stream.byteSize();
        if (size == 0) {
            return "empty DEFLATE stream";
        }
        if (size > Integer.MAX_VALUE / 8) {
            return "DEFLATE stream of " + size + " bytes is longer than any page's";
        }
        length = (int) size;
        if (input.length < length) {
            input = new byte[Math.max(length, pageSize)];
        }
        MemorySegment.copy(stream, ValueLayout.JAVA_BYTE, 0, input, 0, length);
        position = 0;
        bitBuffer = 0;
        bitCount = 0;
        produced = 0;

        boolean last;
        do {
            last = bits(1) == 1;
            int type = bits(2);
            if (overrun()) {
                return truncated();
            }
            String failure = switch (type) {
                case 0 -> storedBlock();
                case 1 -> codes(FIXED_LITERALS, FIXED_DISTANCES);
                case 2 -> dynamicBlock();
                default -> invalid("invalid block type");
            };
            if (failure != null) {
                return failure;
            }
        } while (!last);

        if (produced != pageSize) {
            return "DEFLATE stream of " + length + " bytes inflates to " + produced + " bytes, less than one page ("
                    + pageSize + " bytes)";
        }
        long end = (consumedBits() + 7) / 8;
        if (end < length) {
            return (length - end) + " bytes of trailing data after the end of the DEFLATE stream (" + length
                    + " bytes in all)";
        }
        return null;
    }

    private String storedBlock() {
        bits(bitCount & 7); // to the next byte boundary
        int len = bits(16);
        int nlen = bits(16);
        if (overrun()) {
            return truncated();
        }
        if (len != (~nlen & 0xFFFF)) {
            return invalid("invalid stored block lengths");
        }
        if (produced + len > pageSize) {
            return moreThanOnePage();
        }
        long end = consumedBits() + 8L * len;
        if (end > 8L * length) {
            produced += length - (int) (consumedBits() / 8); // the stored bytes that are there
            return truncated();
        }
        produced += len;
        position = (int) (end / 8);
        bitBuffer = 0;
        bitCount = 0;
        return null;
    }

    private String dynamicBlock() {
        int literals = bits(5) + 257;
        int distances = bits(5) + 1;
        int codeLengths = bits(4) + 4;
        if (overrun()) {
            return truncated();
        }
        if (literals > 286 || distances > 30) {
            return invalid("too many length or distance symbols");
        }
        Arrays.fill(lengths, 0, 19, 0);
        for (int i = 0; i < codeLengths; i++) {
            lengths[CODE_LENGTH_ORDER[i]] = bits(3);
        }
        if (overrun()) {
            return truncated();
        }
        String failure = codeLengthCode.build(lengths, 0, 19, true, "invalid code lengths set");
        if (failure != null) {
            return invalid(failure);
        }
        int total = literals + distances;
        int have = 0;
        while (have < total) {
            int symbol = decode(codeLengthCode);
            if (symbol < 0) {
                return overrun() ? truncated() : invalid("invalid code lengths set");
            }
            if (symbol < 16) {
                lengths[have++] = symbol;
                continue;
            }
            int repeat;
            int value = 0;
            if (symbol == 16) {
                if (have == 0) {
                    return overrun() ? truncated() : invalid("invalid bit length repeat");
                }
                value = lengths[have - 1];
                repeat = 3 + bits(2);
            } else if (symbol == 17) {
                repeat = 3 + bits(3);
            } else {
                repeat = 11 + bits(7);
            }
            if (overrun()) {
                return truncated();
            }
            if (have + repeat > total) {
                return invalid("invalid bit length repeat");
            }
            Arrays.fill(lengths, have, have + repeat, value);
            have += repeat;
        }
        if (overrun()) {
            return truncated();
        }
        if (lengths[256] == 0) {
            return invalid("invalid code -- missing end-of-block");
        }
        failure = literalCode.build(lengths, 0, literals, false, "invalid literal/lengths set");
        if (failure == null) {
            failure = distanceCode.build(lengths, literals, distances, false, "invalid distances set");
        }
        if (failure != null) {
            return invalid(failure);
        }
        return codes(literalCode, distanceCode);
    }

    /**
     * The literal, length and distance codes of one block, up to and including its end-of-block code. The page
     * path's loop, so it keeps the bit reader in locals (written back before anything else looks at it), refills
     * once per symbol (a length, its distance and their extra bits take at most 48 bits), and looks at the end of
     * the stream only once a refill has gone past it: from there on, a symbol that took bits from past the end
     * is not counted, and the stream is truncated.
     */
    private String codes(Code literalsAndLengths, Code distances) {
        final int[] fastLiterals = literalsAndLengths.fast;
        final int literalMask = fastLiterals.length - 1;
        final int[] fastDistances = distances.fast;
        final int distanceMask = fastDistances.length - 1;
        final byte[] in = input;
        final int end = length;
        final long endBits = 8L * end;
        long buffer = bitBuffer;
        int count = bitCount;
        int at = position;
        int out = produced;
        String result;
        while (true) {
            if (count < 48) {
                if (at + 8 <= end) {
                    buffer |= (long) LITTLE_ENDIAN_LONG.get(in, at) << count;
                    int bytes = (63 - count) >>> 3;
                    at += bytes;
                    count += bytes << 3;
                } else {
                    while (count <= 56) {
                        long next = at < end ? in[at] & 0xFF : 0;
                        at++;
                        buffer |= next << count;
                        count += 8;
                    }
                }
            }
            int entry = fastLiterals[(int) buffer & literalMask];
            int symbol;
            if (entry > 0) {
                int n = entry & 0xF;
                buffer >>>= n;
                count -= n;
                symbol = entry >>> 4;
            } else if (entry == 0) {
                symbol = -1;
            } else {
                bitBuffer = buffer;
                bitCount = count;
                symbol = decodeLong(literalsAndLengths);
                buffer = bitBuffer;
                count = bitCount;
            }
            if (at > end && 8L * at - count > endBits) {
                result = null; // truncated: the exit below says so
                break;
            }
            if (symbol < 256) {
                if (symbol >= 0 && ++out <= pageSize) {
                    continue;
                }
                result = symbol < 0 ? invalid("invalid literal/length code") : moreThanOnePage();
                break;
            }
            if (symbol == 256) {
                result = null;
                break;
            }
            symbol -= 257;
            if (symbol >= LENGTH_BASE.length) {
                result = invalid("invalid literal/length code");
                break;
            }
            int extra = LENGTH_EXTRA[symbol];
            int matchLength = LENGTH_BASE[symbol] + ((int) buffer & ((1 << extra) - 1));
            buffer >>>= extra;
            count -= extra;
            entry = fastDistances[(int) buffer & distanceMask];
            int distanceSymbol;
            if (entry > 0) {
                int n = entry & 0xF;
                buffer >>>= n;
                count -= n;
                distanceSymbol = entry >>> 4;
            } else if (entry == 0) {
                distanceSymbol = -1;
            } else {
                bitBuffer = buffer;
                bitCount = count;
                distanceSymbol = decodeLong(distances);
                buffer = bitBuffer;
                count = bitCount;
            }
            if (distanceSymbol < 0 || distanceSymbol >= DISTANCE_BASE.length) {
                result = invalid("invalid distance code");
                break;
            }
            extra = DISTANCE_EXTRA[distanceSymbol];
            int distance = DISTANCE_BASE[distanceSymbol] + ((int) buffer & ((1 << extra) - 1));
            buffer >>>= extra;
            count -= extra;
            if (at > end && 8L * at - count > endBits) {
                result = null; // truncated
                break;
            }
            if (distance > out) {
                result = invalid("invalid distance too far back");
                break;
            }
            out += matchLength;
            if (out > pageSize) {
                result = moreThanOnePage();
                break;
            }
        }
        bitBuffer = buffer;
        bitCount = count;
        position = at;
        produced = out;
        // Whatever the walk found, bits it took from past the end of the stream make it a truncated stream.
        return overrun() ? truncated() : result;
    }

    /** Reads the next symbol of {@code code}; -1 when no code of it starts with the next bits. */
    private int decode(Code code) {
        if (bitCount < MAX_BITS) {
            refill();
        }
        int entry = code.fast[(int) bitBuffer & (code.fast.length - 1)];
        if (entry > 0) {
            int bits = entry & 0xF;
            bitBuffer >>>= bits;
            bitCount -= bits;
            return entry >>> 4;
        }
        if (entry == 0) {
            return -1;
        }
        return decodeLong(code);
    }

    /**
     * A code longer than its table's bits: those first bits as they are, then one bit at a time in canonical order
     * (codes of one length are consecutive numbers). Needs {@link #MAX_BITS} bits in the buffer.
     */
    private int decodeLong(Code code) {
        int fastBits = code.fastBits;
        int value = Integer.reverse((int) bitBuffer & (code.fast.length - 1)) >>> (32 - fastBits);
        bitBuffer >>>= fastBits;
        bitCount -= fastBits;
        for (int len = fastBits + 1; len <= MAX_BITS; len++) {
            value = value << 1 | (int) (bitBuffer & 1);
            bitBuffer >>>= 1;
            bitCount--;
            int offset = value - code.firstCode[len];
            if (offset >= 0 && offset < code.counts[len]) {
                return code.symbols[code.firstIndex[len] + offset];
            }
        }
        return -1;
    }

    /** The next {@code n} bits (0..16), least significant first. */
    private int bits(int n) {
        if (bitCount < n) {
            refill();
        }
        int value = (int) bitBuffer & ((1 << n) - 1);
        bitBuffer >>>= n;
        bitCount -= n;
        return value;
    }

    /**
     * Fills the bit buffer to at least 56 bits; past the end of the stream with zeros (see {@link #overrun}). Eight
     * bytes at a time where there are eight: the bits of a byte that only partly fit land above {@code bitCount},
     * where the next refill puts the very same bits again.
     */
    private void refill() {
        if (position + 8 <= length) {
            bitBuffer |= (long) LITTLE_ENDIAN_LONG.get(input, position) << bitCount;
            int bytes = (63 - bitCount) >>> 3;
            position += bytes;
            bitCount += bytes << 3;
            return;
        }
        while (bitCount <= 56) {
            long next = position < length ? input[position] & 0xFF : 0;
            position++;
            bitBuffer |= next << bitCount;
            bitCount += 8;
        }
    }

    private long consumedBits() {
        return 8L * position - bitCount;
    }

    /** Whether the walk has used bits past the end of the stream (the zeros refill() supplies there). */
    private boolean overrun() {
        return consumedBits() > 8L * length;
    }

    private String truncated() {
        int inflated = Math.min(produced, pageSize);
        return "DEFLATE stream of " + length + " bytes ends before its final block, after inflating " + inflated
                + (inflated < pageSize ? " bytes, not one page (" + pageSize + " bytes)"
                        : " bytes, a whole page, without its end-of-block code");
    }

    private String moreThanOnePage() {
        return "DEFLATE stream inflates to more than one page (" + pageSize + " bytes)";
    }

    private static String invalid(String why) {
        return "invalid DEFLATE stream: " + why;
    }

    /** One Huffman code: a look-up table for short codes, and the canonical order for the rest. */
    private static final class Code {
        final int fastBits;
        /** Indexed by the next {@link #fastBits} bits: {@code symbol << 4 | length}, 0, or {@link #LONG_CODE}. */
        final int[] fast;
        /** Number of codes of each length. */
        final int[] counts = new int[MAX_BITS + 1];
        /** Symbols ordered by code length, then by value: the order in which canonical codes are assigned. */
        final int[] symbols;
        /** The first code of each length, and where its symbols start in {@link #symbols}. */
        final int[] firstCode = new int[MAX_BITS + 1];
        final int[] firstIndex = new int[MAX_BITS + 1];
        private final int[] offsets = new int[MAX_BITS + 2];
        private final int[] nextCode = new int[MAX_BITS + 1];

        Code(int maxSymbols, int fastBits) {
            this.symbols = new int[maxSymbols];
            this.fastBits = fastBits;
            this.fast = new int[1 << fastBits];
        }

        /**
         * Builds the code of {@code n} symbols from their code lengths, by zlib's rules: no code set may be
         * over-subscribed, and none may be incomplete except a single code of length 1, or (not for the code
         * length code) no code at all, which makes every use of it invalid.
         *
         * @return null, or {@code complaint} when the lengths do not make a code
         */
        String build(int[] lengths, int from, int n, boolean codeLengthCode, String complaint) {
            Arrays.fill(counts, 0);
            for (int i = 0; i < n; i++) {
                counts[lengths[from + i]]++;
            }
            counts[0] = 0;
            int max = MAX_BITS;
            while (max > 0 && counts[max] == 0) {
                max--;
            }
            if (max == 0) {
                Arrays.fill(fast, 0);
                return codeLengthCode ? complaint : null;
            }
            int left = 1;
            for (int len = 1; len <= MAX_BITS; len++) {
                left = (left << 1) - counts[len];
                if (left < 0) {
                    return complaint; // over-subscribed
                }
            }
            if (left > 0 && (codeLengthCode || max != 1)) {
                return complaint; // incomplete
            }
            if (left > 0) {
                Arrays.fill(fast, 0); // the one incomplete code allowed: its unused half must read as no code
            }
            offsets[1] = 0;
            for (int len = 1; len <= MAX_BITS; len++) {
                offsets[len + 1] = offsets[len] + counts[len];
            }
            int code = 0;
            for (int len = 1; len <= MAX_BITS; len++) {
                code = (code + counts[len - 1]) << 1;
                nextCode[len] = code;
                firstCode[len] = code;
                firstIndex[len] = offsets[len];
            }
            for (int symbol = 0; symbol < n; symbol++) {
                int len = lengths[from + symbol];
                if (len == 0) {
                    continue;
                }
                symbols[offsets[len]++] = symbol;
                int reversed = Integer.reverse(nextCode[len]++) >>> (32 - len);
                if (len <= fastBits) {
                    for (int i = reversed; i < fast.length; i += 1 << len) {
                        fast[i] = symbol << 4 | len;
                    }
                } else {
                    fast[reversed & (fast.length - 1)] = LONG_CODE;
                }
            }
            return null;
        }
    }
}
