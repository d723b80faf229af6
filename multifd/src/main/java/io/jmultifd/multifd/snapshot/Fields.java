package io.jmultifd.multifd.snapshot;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Checked reads of a record's fields: a field beyond the record's bytes is an error naming the record and field. */
final class Fields {
    private final ByteBuffer src;
    private final String record;

    Fields(ByteBuffer src, String record) {
        this.src = src;
        this.record = record;
    }

    private void need(int n, String what) throws SnapshotException {
        if (src.remaining() < n) {
            throw new SnapshotException(record + " cut short at " + what);
        }
    }

    int u16(String what) throws SnapshotException {
        need(2, what);
        return src.getShort() & 0xFFFF;
    }

    long u32(String what) throws SnapshotException {
        need(4, what);
        return src.getInt() & 0xFFFFFFFFL;
    }

    long u64(String what) throws SnapshotException {
        need(8, what);
        return src.getLong();
    }

    String str(String what) throws SnapshotException {
        int n = u16(what + " length");
        if (n > SnapshotFormat.MAX_STRING) {
            throw new SnapshotException(record + ": " + what + " of " + n + " bytes exceeds " + SnapshotFormat.MAX_STRING);
        }
        need(n, what);
        ByteBuffer bytes = src.slice(src.position(), n);
        src.position(src.position() + n);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes).toString();
        } catch (CharacterCodingException e) {
            throw new SnapshotException(record + ": " + what + " is not UTF-8");
        }
    }

    int position() {
        return src.position();
    }

    static void putStr(ByteBuffer dst, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > SnapshotFormat.MAX_STRING) {
            throw new IllegalArgumentException("string of " + b.length + " bytes exceeds " + SnapshotFormat.MAX_STRING);
        }
        dst.putShort((short) b.length).put(b);
    }

    static int strLength(String s) {
        return 2 + s.getBytes(StandardCharsets.UTF_8).length;
    }
}
