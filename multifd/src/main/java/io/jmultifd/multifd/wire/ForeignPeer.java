package io.jmultifd.multifd.wire;

import io.jmultifd.multifd.transport.Connection;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Says what a peer that is not jmultifd sent, for either end: "not a jmultifd peer (it sent 'HTTP/1.0 400 Bad
 * Request')". The first line of its bytes, printable ASCII as is, other bytes (and quotes and backslashes) as
 * {@code \xNN}, cut at {@link #EXCERPT} bytes (then "...").
 */
public final class ForeignPeer {
    /** The longest excerpt quoted. */
    public static final int EXCERPT = 40;

    private ForeignPeer() {}

    /** Names the peer by {@code sent[0..length)}, what had arrived of its bytes. */
    public static String describe(byte[] sent, int length) {
        StringBuilder sb = new StringBuilder("not a jmultifd peer (it sent '");
        int n = Math.min(length, EXCERPT);
        int i = 0;
        for (; i < n; i++) {
            int c = sent[i] & 0xFF;
            if (c == '\r' || c == '\n') {
                break; // one line says what it is (an HTTP status or request line)
            }
            if (c >= 0x20 && c < 0x7F && c != '\\' && c != '\'') {
                sb.append((char) c);
            } else {
                sb.append(String.format("\\x%02X", c));
            }
        }
        if (i == n && length > n) {
            sb.append("...");
        }
        return sb.append("')").toString();
    }

    /**
     * For a peer whose first four bytes were {@code magic}, which is not the one expected: names it with those
     * bytes and whatever else it has sent so far (never waits for more).
     */
    static String describe(Connection c, int magic) {
        ByteBuffer b = ByteBuffer.allocate(EXCERPT + 1).putInt(magic);
        try {
            c.readAvailable(b);
        } catch (IOException e) {
            // the four bytes say enough
        }
        return describe(b.array(), b.position());
    }
}
