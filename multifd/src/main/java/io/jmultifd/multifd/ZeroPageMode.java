package io.jmultifd.multifd;

/** {@code multifd-zero-page}: where zero pages are detected (QEMU's names). */
public enum ZeroPageMode {
    /** No detection: zero pages travel as normal data. */
    NONE,
    /** The main (scanning) thread detects zero pages. */
    LEGACY,
    /** Each channel's sender thread detects zero pages (the default). */
    MULTIFD;

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static ZeroPageMode parse(String s) {
        for (ZeroPageMode m : values()) {
            if (m.wireName().equals(s)) {
                return m;
            }
        }
        throw new IllegalArgumentException("multifd-zero-page=" + s + ": must be one of [legacy, multifd, none]");
    }
}
