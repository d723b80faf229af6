package io.jmultifd.multifd.wire;

import io.jmultifd.multifd.transport.Connection;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.nio.ByteBuffer;

/** A connection over bytes in memory: reads the given bytes, then EOF; collects what is written. */
final class ByteConnection implements Connection {
    private final ByteBuffer in;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    ByteConnection(byte[] input) {
        this.in = ByteBuffer.wrap(input);
    }

    /** A reader over {@code bytes}. */
    static MessageReader reader(byte[] bytes) {
        return new MessageReader(new ByteConnection(bytes));
    }

    /** Bytes not read yet. */
    int unread() {
        return in.remaining();
    }

    byte[] written() {
        return out.toByteArray();
    }

    @Override public long bytesRead() { return in.position(); }
    @Override public long bytesWritten() { return out.size(); }

    @Override
    public void readFully(ByteBuffer dst, String what) throws EOFException {
        int want = dst.remaining();
        if (in.remaining() < want) {
            int got = in.remaining();
            dst.put(in);
            throw new EOFException("connection closed by the peer after " + got + " of " + want + " bytes of " + what);
        }
        ByteBuffer slice = in.slice(in.position(), want);
        dst.put(slice);
        in.position(in.position() + want);
    }

    @Override
    public void readFully(ByteBuffer[] dsts, int count, String what) throws EOFException {
        for (int i = 0; i < count; i++) {
            readFully(dsts[i], what);
        }
    }

    @Override
    public void readAvailable(ByteBuffer dst) {
        int n = Math.min(dst.remaining(), in.remaining());
        dst.put(in.slice(in.position(), n));
        in.position(in.position() + n);
    }

    @Override
    public void writeFully(ByteBuffer src) {
        while (src.hasRemaining()) {
            out.write(src.get());
        }
    }

    @Override
    public void writeFully(ByteBuffer[] srcs, int count) {
        for (int i = 0; i < count; i++) {
            writeFully(srcs[i]);
        }
    }

    @Override
    public void close() {
    }
}
