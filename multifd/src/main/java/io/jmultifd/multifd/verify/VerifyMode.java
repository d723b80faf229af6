package io.jmultifd.multifd.verify;

import java.util.Locale;

/** {@code verify}: when a side checks its whole memory against its page digests. Each end chooses its own. */
public enum VerifyMode {
    /**
     * The default: page digests are taken as pages are sent and placed, only the blocks' digests are compared in
     * the downtime, and each side's check of its whole memory runs after the handover.
     */
    INLINE,
    /** Each side checks its whole memory before the handover, inside the downtime (the verdict waits for it). */
    BLOCKING;

    public String parameterValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static VerifyMode parse(String name, String value) {
        for (VerifyMode m : values()) {
            if (m.parameterValue().equals(value)) {
                return m;
            }
        }
        throw new IllegalArgumentException(name + "=" + value + ": must be one of [blocking, inline]");
    }
}
