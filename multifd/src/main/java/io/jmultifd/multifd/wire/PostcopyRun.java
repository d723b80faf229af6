package io.jmultifd.multifd.wire;

import java.io.IOException;

/**
 * Source to destination, after the discards: the guest runs at the destination from now on (QEMU's
 * POSTCOPY_RUN). The destination waits until every channel has applied {@code round}, the last precopy round, so
 * that no plain write lands after it registers the guest with userfaultfd, then answers {@link PostcopyRunning}.
 *
 * <pre>u8 9, u64 round, u64 workload bytes per second (0: none), u64 workload seed</pre>
 *
 * @param workloadBytesPerSecond the source's workload rate, which the destination's guest takes over
 */
public record PostcopyRun(long round, long workloadBytesPerSecond, long workloadSeed) implements SourceMessage {
    /** A workload rate beyond this is a corrupt message (1 TB/s). */
    public static final long MAX_WORKLOAD_BYTES_PER_SECOND = 1L << 40;

    @Override
    public void encode(MessageWriter w) {
        w.u8(Wire.MSG_POSTCOPY_RUN).u64(round).u64(workloadBytesPerSecond).u64(workloadSeed);
    }

    static PostcopyRun decodeBody(MessageReader r) throws IOException {
        long round = r.u64("postcopy round");
        long rate = r.u64("workload rate");
        if (round < 0 || rate < 0 || rate > MAX_WORKLOAD_BYTES_PER_SECOND) {
            throw new WireException("postcopy run: round " + Long.toUnsignedString(round) + " or workload rate "
                    + Long.toUnsignedString(rate) + " beyond its limit");
        }
        return new PostcopyRun(round, rate, r.u64("workload seed"));
    }
}
