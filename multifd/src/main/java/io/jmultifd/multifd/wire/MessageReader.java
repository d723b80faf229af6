package io.jmultifd.multifd.wire;

import io.jmultifd.multifd.transport.Connection;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Reads main-stream fields; every length is checked against its limit before the bytes are read. */
public final class MessageReader {
    private final Connection conn;
    private final ByteBuffer small = ByteBuffer.allocate(8);
    private final ByteBuffer text = ByteBuffer.allocate(Wire.MAX_STRING);

    public MessageReader(Connection conn) {
        this.conn = conn;
    }

    private ByteBuffer fill(int n, String what) throws IOException {
        small.clear().limit(n);
        conn.readFully(small, what);
        return small.flip();
    }

    public int u8(String what) throws IOException { return fill(1, what).get() & 0xFF; }
    public int u16(String what) throws IOException { return fill(2, what).getShort() & 0xFFFF; }
    public long u32(String what) throws IOException { return fill(4, what).getInt() & 0xFFFFFFFFL; }
    public long u64(String what) throws IOException { return fill(8, what).getLong(); }

    public String str(String what) throws IOException {
        int len = u16(what + " length");
        if (len > Wire.MAX_STRING) {
            throw new WireException(what + ": length " + len + " exceeds the limit " + Wire.MAX_STRING);
        }
        text.clear().limit(len);
        conn.readFully(text, what);
        text.flip();
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(text).toString();
        } catch (CharacterCodingException e) {
            throw new WireException(what + ": not valid UTF-8");
        }
    }
}
