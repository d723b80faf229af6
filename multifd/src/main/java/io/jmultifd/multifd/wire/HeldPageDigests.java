package io.jmultifd.multifd.wire;

import io.jmultifd.multifd.transport.Connection;

import java.io.IOException;
import java.util.Arrays;

/**
 * Destination to source when a paused postcopy resumes and the guest never started at the destination
 * ({@link ResumeState} running 0): the CRC32C of every page as the destination's memory holds it now, so that the source
 * sends again every page that differs from what it sent last (a page of the last precopy round that the break left
 * unwritten, or written halfway). Every block in order, page by page, each in messages of at most {@link #MAX_PAGES}
 * digests that follow each other without gap.
 *
 * <pre>u8 16, u32 block index, u64 first page, u32 n (1..MAX_PAGES), n x u32 CRC32C</pre>
 */
public record HeldPageDigests(int block, long firstPage, int[] digests) implements MainMessage {
    public static final int MAX_PAGES = 16384;

    public HeldPageDigests {
        if (digests.length == 0 || digests.length > MAX_PAGES) {
            throw new IllegalArgumentException("1.." + MAX_PAGES + " digests, got " + digests.length);
        }
    }

    @Override
    public void encode(MessageWriter w) {
        w.u8(Wire.MSG_HELD_PAGE_DIGESTS).u32(block).u64(firstPage).u32(digests.length);
        for (int d : digests) {
            w.u32(Integer.toUnsignedLong(d));
        }
    }

    /** Sends the digests of every block ({@code digests[block][page]}), in order. */
    public static void sendAll(Connection c, int[][] digests) throws IOException {
        for (int b = 0; b < digests.length; b++) {
            for (int p = 0; p < digests[b].length; p += MAX_PAGES) {
                int n = Math.min(MAX_PAGES, digests[b].length - p);
                new HeldPageDigests(b, p, Arrays.copyOfRange(digests[b], p, p + n)).send(c);
            }
        }
    }

    /**
     * Reads the digests of a guest whose blocks have {@code blockPages} pages: each message must continue where the
     * last ended, within its limits; a {@link WireException} before the digests of a bad one are read.
     */
    public static int[][] readAll(MessageReader r, long[] blockPages) throws IOException {
        int[][] digests = new int[blockPages.length][];
        for (int b = 0; b < blockPages.length; b++) {
            if (blockPages[b] > Integer.MAX_VALUE - 8) {
                throw new WireException("held page digests: block " + b + " has " + blockPages[b] + " pages, more than "
                        + "digests can be kept for");
            }
            digests[b] = new int[(int) blockPages[b]];
            int next = 0;
            while (next < digests[b].length) {
                int type = r.u8("held page digests");
                if (type != Wire.MSG_HELD_PAGE_DIGESTS) {
                    throw new WireException("held page digests: unexpected message type " + type);
                }
                long block = r.u32("held page digests block");
                long first = r.u64("held page digests first page");
                long count = r.u32("held page digests count");
                if (block != b || first != next || count == 0 || count > MAX_PAGES || count > digests[b].length - next) {
                    throw new WireException(String.format("held page digests: pages %d+%d of block %d, expected pages "
                            + "from %d of block %d (%d pages, at most %d a message)", first, count, block, next, b,
                            digests[b].length, MAX_PAGES));
                }
                for (int i = 0; i < count; i++) {
                    digests[b][next++] = (int) r.u32("held page digest");
                }
            }
        }
        return digests;
    }
}
