package io.jmultifd.multifd;

import io.jmultifd.multifd.guest.RamBlock;

/** How the destination allocates a received block (anonymous memory by default; the CLI may map a file). */
@FunctionalInterface
public interface BlockFactory {
    BlockFactory ANONYMOUS = RamBlock::anonymous;

    RamBlock create(String name, long size, int pageSize);
}
