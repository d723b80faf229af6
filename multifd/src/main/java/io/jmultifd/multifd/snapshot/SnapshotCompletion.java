package io.jmultifd.multifd.snapshot;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The completion record, written last and synced: without it a file is an unfinished save and is never restored.
 * It carries what restore checks everything else against.
 *
 * @param fileLength the file's length when the save finished (a shorter file was cut)
 * @param rounds     the rounds the save took (1 for a paused guest)
 */
public record SnapshotCompletion(long fileLength, long rounds, List<Block> blocks) {

    /**
     * @param memoryChecksum CRC32C of the block's memory as saved
     * @param tableChecksum  CRC32C of the block's table (bitmap and CRCs or index)
     * @param storedPages    pages whose bit is set
     */
    public record Block(long memoryChecksum, long tableChecksum, long storedPages) {}

    public SnapshotCompletion {
        blocks = List.copyOf(blocks);
    }

    public static int encodedLength(int blocks) {
        return 4 + 2 + 4 + 8 + 8 + blocks * (8 + 4 + 8) + 4;
    }

    public ByteBuffer encode() {
        ByteBuffer dst = ByteBuffer.allocate(encodedLength(blocks.size()));
        dst.putInt(SnapshotFormat.MAGIC_COMPLETION).putShort((short) SnapshotFormat.VERSION).putInt(blocks.size())
                .putLong(fileLength).putLong(rounds);
        for (Block b : blocks) {
            dst.putLong(b.memoryChecksum()).putInt((int) b.tableChecksum()).putLong(b.storedPages());
        }
        CRC32C crc = new CRC32C();
        crc.update(dst.array(), 0, dst.position());
        dst.putInt((int) crc.getValue());
        return dst.flip();
    }

    /** Decodes the record of a file whose header announced {@code blockCount} blocks. */
    public static SnapshotCompletion decode(ByteBuffer src, int blockCount, String file) throws SnapshotException {
        String what = "completion record of " + file;
        int length = encodedLength(blockCount);
        if (src.remaining() < length) {
            throw new SnapshotException(file + " is cut short: it ends inside its completion record");
        }
        ByteBuffer rec = src.slice(src.position(), length);
        if (rec.getInt(0) != SnapshotFormat.MAGIC_COMPLETION) {
            boolean blank = true;
            for (int i = 0; i < length && blank; i++) {
                blank = rec.get(i) == 0;
            }
            throw new SnapshotException(blank
                    ? file + " has no completion record: the save did not finish (the saver stopped or died)"
                    : what + " is damaged: wrong magic");
        }
        CRC32C crc = new CRC32C();
        crc.update(rec.slice(0, length - 4));
        if ((int) crc.getValue() != rec.getInt(length - 4)) {
            throw new SnapshotException(what + " is damaged: its CRC32C does not match");
        }
        Fields f = new Fields(rec.slice(0, length - 4), what);
        f.u32("magic");
        int version = f.u16("version");
        if (version != SnapshotFormat.VERSION) {
            throw new SnapshotException(what + " has version " + version + "; this jmultifd reads version "
                    + SnapshotFormat.VERSION);
        }
        long n = f.u32("block count");
        if (n != blockCount) {
            throw new SnapshotException(what + " names " + n + " blocks, the header " + blockCount);
        }
        long fileLength = f.u64("file length");
        long rounds = f.u64("rounds");
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            blocks.add(new Block(f.u64("memory checksum"), f.u32("table checksum"), f.u64("stored pages")));
        }
        return new SnapshotCompletion(fileLength, rounds, blocks);
    }
}
