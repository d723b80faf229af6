package io.jmultifd.multifd.guest;

import java.util.Locale;

/** Whether a block's memory asked the kernel for transparent huge pages, and what became of the request. */
public enum HugePages {
    /** madvise(MADV_HUGEPAGE) was accepted and the kernel's THP mode is not {@code never}. */
    ON,
    /** Not asked for: {@code guest-hugepages=off}. */
    OFF,
    /** Asked for, but the kernel does not give them (no THP, THP {@code never}, the advice refused, no mmap). */
    UNAVAILABLE,
    /** A file mapping, left as the page cache backs it (only anonymous memory asks for huge pages). */
    FILE_BACKED;

    /** The JSON and CLI spelling: on, off, unavailable, file-backed. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * One word for a guest: its anonymous blocks' state, the least favourable one when they differ (unavailable, then
     * off, then on); file-backed when it has no anonymous block.
     */
    static HugePages of(GuestMemory guest) {
        HugePages worst = FILE_BACKED;
        for (RamBlock b : guest.blocks()) {
            HugePages h = b.hugePages();
            if (h == UNAVAILABLE || (h == OFF && worst != UNAVAILABLE) || (h == ON && worst == FILE_BACKED)) {
                worst = h;
            }
        }
        return worst;
    }
}
