package io.jmultifd.multifd;

import io.jmultifd.multifd.guest.RamBlock;
import io.jmultifd.multifd.guest.TransparentHugePages;

/** How the destination allocates a received block (anonymous memory by default; the CLI may map a file). */
@FunctionalInterface
public interface BlockFactory {
    BlockFactory ANONYMOUS = RamBlock::anonymous;
    /** Anonymous memory backed up front ({@code prealloc=true}). */
    BlockFactory PREALLOCATED = (name, size, pageSize) -> RamBlock.anonymous(name, size, pageSize, true);

    RamBlock create(String name, long size, int pageSize);

    /** Anonymous memory as the parameters say: {@code prealloc}, {@code guest-hugepages}. */
    static BlockFactory anonymous(MigrationParameters local) {
        boolean prealloc = local.prealloc();
        TransparentHugePages hugePages = TransparentHugePages.of(local.guestHugePages());
        return (name, size, pageSize) -> RamBlock.anonymous(name, size, pageSize, prealloc, hugePages);
    }
}
