package io.jmultifd.multifd.wire;

import java.io.IOException;

/**
 * The capabilities a migration uses, in the handshake after free-page-hint: one u8 of bits, {@link #POSTCOPY_RAM}
 * and {@link #POSTCOPY_PREEMPT} (QEMU's {@code postcopy-ram} and {@code postcopy-preempt}). Both ends must use the
 * same; an unknown bit, or preempt without postcopy, is refused before anything else of the handshake is used.
 */
public record Capabilities(boolean postcopyRam, boolean postcopyPreempt) {
    public static final int POSTCOPY_RAM = 1;
    public static final int POSTCOPY_PREEMPT = 2;
    public static final Capabilities NONE = new Capabilities(false, false);

    public Capabilities {
        if (postcopyPreempt && !postcopyRam) {
            throw new IllegalArgumentException("postcopy-preempt needs postcopy-ram");
        }
    }

    public int bits() {
        return (postcopyRam ? POSTCOPY_RAM : 0) | (postcopyPreempt ? POSTCOPY_PREEMPT : 0);
    }

    public void encode(MessageWriter w) {
        w.u8(bits());
    }

    public static Capabilities decode(MessageReader r) throws IOException {
        int bits = r.u8("capabilities");
        if ((bits & ~(POSTCOPY_RAM | POSTCOPY_PREEMPT)) != 0) {
            throw new Refusal(String.format("handshake: unknown capability bits 0x%02x", bits & ~(POSTCOPY_RAM | POSTCOPY_PREEMPT)));
        }
        if ((bits & POSTCOPY_PREEMPT) != 0 && (bits & POSTCOPY_RAM) == 0) {
            throw new Refusal("handshake: postcopy-preempt without postcopy-ram");
        }
        return new Capabilities((bits & POSTCOPY_RAM) != 0, (bits & POSTCOPY_PREEMPT) != 0);
    }
}
