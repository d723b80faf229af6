package io.jmultifd.multifd.snapshot;

import io.jmultifd.spi.ChannelReceiver;
import io.jmultifd.spi.CorruptPayloadException;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The checks of a stored page as it is read, for a whole restore ({@link RestoreChannels}) and for one page alone
 * ({@link SnapshotReader#readPage}): the CRC32C in the block's table, then (compressed) the method's decode into
 * its place. Each failure names the block and the page.
 */
final class StoredPages {
    private StoredPages() {}

    /** Mapped-ram: the page's bytes against the table's CRC32C. */
    static void checkRaw(BlockTable table, String block, long page, MemorySegment bytes, CRC32C crc)
            throws SnapshotException {
        crc.reset();
        crc.update(bytes.asByteBuffer());
        if ((int) crc.getValue() != table.crc(page)) {
            throw new SnapshotException("block " + block + " page " + page + " is damaged: its CRC32C does not match "
                    + "the table's");
        }
    }

    /** Compressed: the stored bytes against the index's CRC32C, then decoded alone into {@code dst}. */
    static void decode(BlockTable table, String block, long page, MemorySegment payload, ChannelReceiver receiver,
                       MemorySegment dst, CRC32C crc) throws SnapshotException {
        crc.reset();
        crc.update(payload.asByteBuffer());
        if ((int) crc.getValue() != table.crc(page)) {
            throw new SnapshotException("block " + block + " page " + page + " is damaged: the CRC32C of its "
                    + "compressed bytes does not match the index's");
        }
        try {
            receiver.decode(payload, List.of(dst));
        } catch (CorruptPayloadException e) {
            throw new SnapshotException("block " + block + " page " + page + " does not decode: " + e.getMessage());
        }
    }
}
