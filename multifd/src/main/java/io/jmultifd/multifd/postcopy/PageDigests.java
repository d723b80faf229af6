package io.jmultifd.multifd.postcopy;

import io.jmultifd.multifd.guest.RamBlock;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Verification of a postcopy migration: a CRC32C per page of what the page was when it became valid at the
 * destination (present at the switchover, or placed later), against the source's memory, which stays frozen from
 * the switchover on. The destination's guest changes its pages as soon as it runs, so a checksum of its memory at
 * the end could not be compared; these per-page records can. A block's digest is the CRC32C of its pages' CRCs
 * (u32 big-endian, in page order), the same on both ends when every page matched.
 */
public final class PageDigests {
    private final int[][] crcs;
    private final int zeroPageCrc;

    public PageDigests(List<RamBlock> blocks, int pageSize) {
        CRC32C zero = new CRC32C();
        zero.update(new byte[pageSize]);
        this.zeroPageCrc = (int) zero.getValue();
        this.crcs = new int[blocks.size()][];
        for (int i = 0; i < crcs.length; i++) {
            crcs[i] = new int[Math.toIntExact(blocks.get(i).pageCount())];
        }
    }

    /** The CRC32C of one page's bytes. */
    public static int crc(MemorySegment page) {
        CRC32C crc = new CRC32C();
        crc.update(page.asByteBuffer());
        return (int) crc.getValue();
    }

    /** Records what page {@code page} of block {@code block} is now: {@code content}. */
    public void record(int block, long page, MemorySegment content) {
        crcs[block][(int) page] = crc(content);
    }

    /** Records the page as zeros (a zero page placed, or a page free at the source and zeroed here). */
    public void recordZero(int block, long page) {
        crcs[block][(int) page] = zeroPageCrc;
    }

    /** Records every page of {@code block} whose bit in {@code skip} is clear, from the block's memory now. */
    public void recordPresent(int block, RamBlock memory, long[] skip) {
        int[] c = crcs[block];
        for (int page = 0; page < c.length; page++) {
            if ((skip[page >>> 6] & (1L << (page & 63))) == 0) {
                c[page] = crc(memory.page(page));
            }
        }
    }

    /** The digest of block {@code block}: CRC32C over its pages' CRCs. */
    public long blockDigest(int block) {
        ByteBuffer b = ByteBuffer.allocate(crcs[block].length * 4);
        b.asIntBuffer().put(crcs[block]);
        CRC32C crc = new CRC32C();
        crc.update(b);
        return crc.getValue();
    }

    /** The first page whose CRC differs from {@code other}'s, or -1 (tests, and the message of a mismatch). */
    public long firstDifference(int block, PageDigests other) {
        int[] a = crcs[block];
        int[] b = other.crcs[block];
        for (int i = 0; i < a.length; i++) {
            if (a[i] != b[i]) {
                return i;
            }
        }
        return -1;
    }
}
