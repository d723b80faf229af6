package io.jmultifd.multifd.wire;

import io.jmultifd.multifd.transport.Connection;

import java.io.IOException;
import java.util.Arrays;

/**
 * Destination to source when a paused postcopy resumes: which pages the destination holds (QEMU's
 * MIG_CMD_RECV_BITMAP), so that the source sends only the others. One bit per page (bit {@code p & 63} of word
 * {@code p >> 6} for page {@code p}), 1 = valid at the destination; every block in order, each in messages of at most
 * {@link #MAX_WORDS} words that follow each other without gap.
 *
 * <pre>u8 14, u32 block index, u64 first word, u32 n (1..MAX_WORDS), n x u64 word</pre>
 */
public record ReceivedBitmap(int block, long firstWord, long[] words) implements MainMessage {
    public static final int MAX_WORDS = 8192;

    public ReceivedBitmap {
        if (words.length == 0 || words.length > MAX_WORDS) {
            throw new IllegalArgumentException("1.." + MAX_WORDS + " words, got " + words.length);
        }
    }

    @Override
    public void encode(MessageWriter w) {
        w.u8(Wire.MSG_RECEIVED_BITMAP).u32(block).u64(firstWord).u32(words.length);
        for (long word : words) {
            w.u64(word);
        }
    }

    /** Sends the bitmap of every block ({@code bits[block]}, one word per 64 pages), in order. */
    public static void sendAll(Connection c, long[][] bits) throws IOException {
        for (int b = 0; b < bits.length; b++) {
            for (int w = 0; w < bits[b].length; w += MAX_WORDS) {
                int n = Math.min(MAX_WORDS, bits[b].length - w);
                new ReceivedBitmap(b, w, Arrays.copyOfRange(bits[b], w, w + n)).send(c);
            }
        }
    }

    /**
     * Reads the whole bitmap of a guest whose blocks have {@code blockPages} pages: each message must continue where
     * the last ended, within its limits, with no bit beyond a block's last page; a {@link WireException} before the
     * words of a bad one are read.
     */
    public static long[][] readAll(MessageReader r, long[] blockPages) throws IOException {
        long[][] bits = new long[blockPages.length][];
        for (int b = 0; b < blockPages.length; b++) {
            bits[b] = new long[(int) ((blockPages[b] + 63) / 64)];
            int next = 0;
            while (next < bits[b].length) {
                int type = r.u8("received bitmap");
                if (type != Wire.MSG_RECEIVED_BITMAP) {
                    throw new WireException("received bitmap: unexpected message type " + type);
                }
                long block = r.u32("received bitmap block");
                long first = r.u64("received bitmap first word");
                long count = r.u32("received bitmap word count");
                if (block != b || first != next || count == 0 || count > MAX_WORDS || count > bits[b].length - next) {
                    throw new WireException(String.format("received bitmap: words %d+%d of block %d, expected words "
                            + "from %d of block %d (%d words, at most %d a message)", first, count, block, next, b,
                            bits[b].length, MAX_WORDS));
                }
                for (int i = 0; i < count; i++) {
                    bits[b][next++] = r.u64("received bitmap word");
                }
            }
            int tail = (int) (blockPages[b] & 63);
            if (tail != 0 && (bits[b][bits[b].length - 1] & (-1L << tail)) != 0) {
                throw new WireException("received bitmap: bits beyond the last page of block " + b + " ("
                        + blockPages[b] + " pages)");
            }
        }
        return bits;
    }
}
