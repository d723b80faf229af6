package io.jmultifd.multifd.wire;

import java.io.IOException;
import java.util.List;

/**
 * Source to destination, after END on every data channel: the number of rounds and a CRC32C of every block.
 *
 * @param rounds    the rounds sent (every channel's END carries the same number)
 * @param checksums one per block, in the handshake's block order
 */
public record Complete(long rounds, List<Long> checksums) implements SourceMessage {
    public Complete {
        checksums = List.copyOf(checksums);
    }

    @Override
    public void encode(MessageWriter w) {
        w.u8(Wire.MSG_COMPLETE).u64(rounds).u32(checksums.size());
        for (long c : checksums) {
            w.u64(c);
        }
    }

    /** The fields after the type; the count must be the guest's block count, checked before reading them. */
    static Complete decodeBody(MessageReader r, int blockCount) throws IOException {
        long rounds = r.u64("round count");
        long n = r.u32("checksum count");
        if (n != blockCount) {
            throw new WireException("main channel: completion carries " + n + " checksums for " + blockCount + " blocks");
        }
        Long[] checksums = new Long[(int) n];
        for (int i = 0; i < n; i++) {
            checksums[i] = r.u64("checksum");
        }
        return new Complete(rounds, List.of(checksums));
    }
}
