package io.jmultifd.multifd.wire;

/**
 * Tells a TLS stream from a plain jmultifd one by its first bytes, so that one end with TLS and the other without
 * is named as such ("the peer spoke TLS / did not") instead of failing as garbage. A TLS stream opens with a
 * record header: u8 content type (22 handshake, 21 alert, 20 change-cipher-spec, 23 application data), u8 3 (the
 * major version of every TLS and SSL 3 record), u8 minor, u16 length. A client's first record is a handshake
 * record (its ClientHello), a server's first a handshake record or an alert. jmultifd streams open with a magic
 * whose first byte is 'J' (0x4A), never one of those content types.
 */
public final class TlsProbe {
    /** Bytes needed to decide ({@link #isTlsRecord}). */
    public static final int BYTES = 2;

    private static final int HANDSHAKE = 22;

    private TlsProbe() {}

    /** Whether a stream whose first four bytes are {@code firstFour} (big-endian) opens with a TLS ClientHello record. */
    public static boolean opensClientHello(int firstFour) {
        return (firstFour >>> 24) == HANDSHAKE && ((firstFour >>> 16) & 0xFF) == 3;
    }

    /** Whether {@code sent[0..1]} open a TLS record of any content type (what a TLS server sends first). */
    public static boolean isTlsRecord(byte[] sent, int length) {
        if (length < BYTES) {
            throw new IllegalArgumentException("need " + BYTES + " bytes, got " + length);
        }
        int type = sent[0] & 0xFF;
        return type >= 20 && type <= 23 && sent[1] == 3;
    }

    /**
     * What a source that expected a TLS server got instead ({@code sent[0..length)}, what had arrived): a
     * jmultifd destination without TLS, or something else, quoted.
     */
    public static String notTls(byte[] sent, int length) {
        if (length >= 4 && ((sent[0] & 0xFF) << 24 | (sent[1] & 0xFF) << 16 | (sent[2] & 0xFF) << 8 | (sent[3] & 0xFF))
                == Wire.MAGIC_MAIN) {
            return "the destination did not speak TLS: it answered as a jmultifd destination without tls-creds "
                    + "(set tls-creds on both ends, or on neither)";
        }
        return "the destination did not speak TLS: " + ForeignPeer.describe(sent, length);
    }
}
