package io.jmultifd.multifd.wire;

import java.io.IOException;

/**
 * The opening of a source's new main connection after a postcopy pause (QEMU's postcopy recovery): its
 * {@link MainHello} with the session id of the migration it resumes, then this message. The destination, paused in
 * postcopy, takes only the resume of its own migration; anything else is refused and it keeps waiting. The
 * destination answers with its {@link DestinationHello}, ACCEPT (or REFUSE with the reason), then its
 * {@link ResumeState} and, as that says, its {@link ReceivedBitmap} or its {@link HeldPageDigests}; the data
 * connections follow as at setup.
 *
 * <pre>MainHello (u32 MAGIC_MAIN, u16 version, u64 session id), u8 13</pre>
 *
 * @param sessionId the session id of the first handshake: it names the migration resumed
 */
public record PostcopyResume(long sessionId) implements MainMessage {
    @Override
    public void encode(MessageWriter w) {
        new MainHello(Wire.VERSION, sessionId).encode(w);
        w.u8(Wire.MSG_POSTCOPY_RESUME);
    }

    /**
     * Reads what follows {@code hello} on a paused destination: a {@link Refusal} for another version, or for
     * anything but a resume (a new migration's handshake is refused: the destination holds a guest being migrated).
     */
    public static PostcopyResume decode(MainHello hello, MessageReader r) throws IOException {
        hello.checkVersion();
        int type = r.u8("resume");
        if (type == Wire.MSG_HANDSHAKE) {
            throw new Refusal("the destination is in postcopy-paused: it takes only the resume of the migration it "
                    + "holds, not a new one");
        }
        if (type != Wire.MSG_POSTCOPY_RESUME) {
            throw new Refusal("the destination is in postcopy-paused: expected a resume, got message type " + type);
        }
        return new PostcopyResume(hello.sessionId());
    }
}
