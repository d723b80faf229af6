package io.jmultifd.multifd.wire;

/**
 * The opening of a source's main connection: u32 MAGIC_MAIN, u16 version, u64 session id. The
 * {@link Handshake} follows (its {@code encode} writes this hello first).
 *
 * @param sessionId ties the data connections to this migration
 */
public record MainHello(int version, long sessionId) implements Hello {
    public static final int SIZE = 4 + 2 + 8;

    @Override
    public void encode(MessageWriter w) {
        w.u32(Wire.MAGIC_MAIN).u16(version).u64(sessionId);
    }

    /** A source of another version is refused, naming both versions. */
    public void checkVersion() throws Refusal {
        if (version != Wire.VERSION) {
            throw new Refusal(Wire.mismatch("version", version, Wire.VERSION));
        }
    }
}
