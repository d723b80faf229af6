package io.jmultifd.multifd.transport;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

/** The scatter-read loop of the stream connections (plain socket, TLS): only the read underneath differs. */
final class ScatterReads {

    /** One scattering read into {@code dsts[offset, offset + length)}: bytes read, or -1 at the end of the stream. */
    @FunctionalInterface
    interface Read {
        long read(ByteBuffer[] dsts, int offset, int length) throws IOException;
    }

    private ScatterReads() {}

    /** Reads until the first {@code count} buffers are full, counting into {@code bytesRead}; EOF names {@code what}. */
    static void readFully(Read read, ByteBuffer[] dsts, int count, String what, AtomicLong bytesRead)
            throws IOException {
        long want = 0;
        for (int i = 0; i < count; i++) {
            want += dsts[i].remaining();
        }
        long got = 0;
        int first = 0;
        while (got < want) {
            while (!dsts[first].hasRemaining()) {
                first++;
            }
            long n = read.read(dsts, first, count - first);
            if (n < 0) {
                throw new EOFException("connection closed by the peer after " + got + " of " + want + " bytes of " + what);
            }
            got += n;
            bytesRead.addAndGet(n);
        }
    }
}
