package io.jmultifd.multifd.verify;

import io.jmultifd.multifd.guest.FreePages;
import io.jmultifd.multifd.guest.RamBlock;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;

/**
 * One side's check of its whole memory against its page digests: on the source, the frozen guest against what
 * was sent last (a page the dirty bitmap missed differs); on the destination, the received guest against what was
 * placed (a page changed after it was placed differs). The only full pass over the guest of the verification; it
 * names the first differing pages by block, page and offset.
 */
public final class MemoryCheck {
    /** Differing pages named in a finding; the rest are counted. */
    static final int NAMED = 8;
    /** Pages between two calls of {@code going} (64 MiB of 4 KiB pages). */
    private static final int PAGES_PER_STEP = 16384;

    private MemoryCheck() {}

    /**
     * What the check found.
     *
     * @param differing pages whose memory differs from their digest
     * @param named     the first {@link #NAMED} of them, e.g. "block ram0 page 5 (offset 0x5000): sent 0x…, memory 0x…"
     */
    public record Findings(long differing, List<String> named) {
        public static final Findings NONE = new Findings(0, List.of());

        public Findings {
            named = List.copyOf(named);
        }

        public boolean ok() {
            return differing == 0;
        }

        /** The named pages, and how many more differ. */
        public String describe() {
            String s = String.join("; ", named);
            return differing > named.size() ? s + "; " + (differing - named.size()) + " more pages" : s;
        }
    }

    /**
     * @param recorded    what the digests hold: "sent" (source) or "placed" (destination), for the findings
     * @param freeAsZero  a page whose free bit is set and whose digest is a zero page's counts as zeros, unread
     *                    (free-page-hint=on: the source sent it as free, the destination zeroed it); one with
     *                    another digest went as data (postcopy sends every page as data) and is read
     * @param going       called now and then; the check stops early (findings so far) when it says false
     */
    public static Findings run(List<RamBlock> blocks, PageDigests digests, String recorded, boolean freeAsZero,
                               BooleanSupplier going) {
        PageDigests.Recorder crc = digests.recorder();
        long differing = 0;
        List<String> named = new ArrayList<>();
        for (int bi = 0; bi < blocks.size(); bi++) {
            RamBlock block = blocks.get(bi);
            FreePages free = block.free();
            long pages = block.pageCount();
            for (long p = 0; p < pages; p++) {
                if (p % PAGES_PER_STEP == 0 && !going.getAsBoolean()) {
                    return new Findings(differing, named);
                }
                int expected = digests.digest(bi, p);
                boolean sentAsFree = freeAsZero && expected == digests.zeroPage() && free.isFree(p);
                int memory = sentAsFree ? expected : crc.digestOf(block.page(p));
                if (memory != expected) {
                    if (differing++ < NAMED) {
                        named.add(String.format(Locale.ROOT, "block %s page %d (offset 0x%x): %s 0x%08x, memory 0x%08x",
                                block.name(), p, p * block.pageSize(), recorded, expected, memory));
                    }
                }
            }
        }
        return new Findings(differing, named);
    }
}
