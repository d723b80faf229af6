package io.jmultifd.multifd.wire;

import java.io.IOException;

/**
 * Destination to source when a paused postcopy resumes, after ACCEPT: whether the guest runs at the destination, i.e.
 * whether RUN arrived there before the break and the switchover completed. The destination pauses as soon as it has
 * read the switchover's first message (a DISCARD, or RUN), so a break while RUN is on its way leaves it paused with
 * its guest not started; the source, which cannot tell, learns it here. {@link ReceivedBitmap} messages follow when it
 * runs (the source sends the pages it lacks); {@link HeldPageDigests} when it does not (the source sends the
 * switchover again, with every page whose digest differs added to its DISCARDs).
 *
 * <pre>u8 15, u8 running (1: the guest runs at the destination, 0: it never started there)</pre>
 */
public record ResumeState(boolean guestRunning) implements MainMessage {
    @Override
    public void encode(MessageWriter w) {
        w.u8(Wire.MSG_RESUME_STATE).u8(guestRunning ? 1 : 0);
    }

    /** Reads it where it must come (after the resume's ACCEPT); any other message or flag is a {@link WireException}. */
    public static ResumeState read(MessageReader r) throws IOException {
        int type = r.u8("resume state");
        if (type != Wire.MSG_RESUME_STATE) {
            throw new WireException("resume: expected the destination's resume state, got message type " + type);
        }
        int running = r.u8("resume state running");
        if (running > 1) {
            throw new WireException("resume state: running code " + running + " is neither 0 (no) nor 1 (yes)");
        }
        return new ResumeState(running == 1);
    }
}
