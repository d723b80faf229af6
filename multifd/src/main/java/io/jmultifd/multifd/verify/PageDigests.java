package io.jmultifd.multifd.verify;

import io.jmultifd.multifd.guest.Crc32c;
import io.jmultifd.multifd.guest.RamBlock;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.CRC32C;

/**
 * One side's CRC32C of every page of the guest as it last went over the wire: the source records each page when a
 * channel sends it, the destination when a channel has placed it. A page sent again in a later round overwrites its
 * slot, so the last version counts; a zero page and a page sent as free count as a page of zeros. At the end each
 * block's digest is {@link #blockDigest folded} from its slots in page order.
 *
 * <p>Why a slot per page and a fold at the end: CRC32C is order-dependent, and pages arrive in any order on any
 * channel, several times. A running combine would need the pages in order; XORing position-keyed page digests
 * would give a digest that is no CRC of anything and lets two wrong pages cancel. A slot per page (4 bytes, 1 MiB
 * per GiB of guest) is order-free while pages move, and the fold gives exactly the CRC32C of the whole block, the
 * value a full pass over the memory computes ({@link RamBlock#checksum()}): CRC(A then B) = CRC(A) x^(8 |B|) xor
 * CRC(B), and with |B| = one page the multiplication by the constant x^(8 page) is linear, hence four lookups in
 * tables of 256 entries per page (about a millisecond per GiB). The slots also name the page that differs when
 * memory is checked against them ({@link MemoryCheck}).
 *
 * <p>Threads: each slot is written by the channel that sends or places its page in a round; rounds are closed by a
 * sync on every channel (the source waits for every channel's SYNC, the destination's channels meet at a barrier),
 * and the fold runs after every channel has ended, so each read sees the last write.
 */
public final class PageDigests {
    private static final AtomicBoolean WARM = new AtomicBoolean();

    private final int pageSize;
    private final int[][] slots;
    private final int zeroPage;
    /** {@code SHIFT[k * 256 + b]}: (b << 8k) x^(8 pageSize) mod P, the combine of a CRC with one page after it. */
    private final int[] shift = new int[4 * 256];

    /** Every slot starts as a page of zeros: fresh memory on the destination, nothing sent yet on the source. */
    public PageDigests(List<RamBlock> blocks, int pageSize) {
        this(blocks.stream().map(RamBlock::name).toList(), blocks.stream().mapToLong(RamBlock::pageCount).toArray(),
                pageSize);
        warmUpOnce();
    }

    private PageDigests(List<String> names, long[] pageCounts, int pageSize) {
        this.pageSize = pageSize;
        this.zeroPage = crcOfZeros(pageSize);
        this.slots = new int[pageCounts.length][];
        for (int i = 0; i < slots.length; i++) {
            long pages = pageCounts[i];
            if (pages > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("block " + names.get(i) + ": " + pages
                        + " pages, more than page digests can hold (" + (Integer.MAX_VALUE - 8) + ")");
            }
            slots[i] = new int[(int) pages];
            Arrays.fill(slots[i], zeroPage);
        }
        for (int k = 0; k < 4; k++) {
            for (int b = 0; b < 256; b++) {
                shift[k * 256 + b] = (int) Crc32c.combine(Integer.toUnsignedLong(b << (8 * k)), 0, pageSize);
            }
        }
    }

    /**
     * The fold runs once per migration, inside the downtime: a fresh JVM would run it in the interpreter until the
     * JIT steps in (1 GiB: 44-65 ms, against 1-2 ms compiled, on the loaded 2-core build machine). So the first
     * digests of a JVM fold a scratch block a few times on a background thread, and the handover finds the fold
     * compiled.
     */
    private static void warmUpOnce() {
        if (WARM.compareAndSet(false, true)) {
            Thread.ofVirtual().name("page-digests-warm-up").start(() -> {
                PageDigests scratch = new PageDigests(List.of("scratch"), new long[] {1 << 18}, 4096);
                for (int i = 0; i < 4; i++) {
                    scratch.blockDigest(0);
                }
            });
        }
    }

    private static int crcOfZeros(int pageSize) {
        CRC32C crc = new CRC32C();
        crc.update(new byte[pageSize]);
        return (int) crc.getValue();
    }

    /** A recorder for one thread (a channel): it owns the CRC32C state it computes page digests with. */
    public Recorder recorder() {
        return new Recorder();
    }

    /** The CRC32C of a page of zeros. */
    public int zeroPage() {
        return zeroPage;
    }

    /** The digest recorded for page {@code page} of block {@code block}. */
    public int digest(int block, long page) {
        return slots[block][(int) page];
    }

    /** The CRC32C of the whole block as its pages were recorded, folded from the slots in page order. */
    public long blockDigest(int block) {
        int crc = 0; // the CRC32C of nothing
        for (int pageCrc : slots[block]) {
            crc = shift[crc & 0xFF] ^ shift[256 + ((crc >>> 8) & 0xFF)] ^ shift[512 + ((crc >>> 16) & 0xFF)]
                    ^ shift[768 + (crc >>> 24)] ^ pageCrc;
        }
        return Integer.toUnsignedLong(crc);
    }

    /** Every block's digest, in block order. */
    public List<Long> blockDigests() {
        Long[] d = new Long[slots.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = blockDigest(i);
        }
        return List.of(d);
    }

    /** Records pages on one thread. */
    public final class Recorder {
        private final CRC32C crc = new CRC32C();

        private Recorder() {}

        /** Page {@code page} of {@code block} went (or arrived) with the bytes {@code content} now holds. */
        public void page(int block, long page, MemorySegment content) {
            slots[block][(int) page] = digestOf(content);
        }

        /** The CRC32C of {@code content}, one page. */
        public int digestOf(MemorySegment content) {
            crc.reset();
            crc.update(content.asByteBuffer());
            return (int) crc.getValue();
        }

        /** Page {@code page} of {@code block} went (or arrived) as a zero page. */
        public void zero(int block, long page) {
            slots[block][(int) page] = zeroPage;
        }

        /** {@code count} pages from {@code first} went (or arrived) as free: they read as zeros. */
        public void zeros(int block, long first, long count) {
            Arrays.fill(slots[block], (int) first, (int) (first + count), zeroPage);
        }
    }
}
