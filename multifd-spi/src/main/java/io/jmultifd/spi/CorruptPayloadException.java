package io.jmultifd.spi;

/**
 * A payload that does not decode to exactly the pages it claims. Checked, so that no receive path can
 * forget it: a corrupt packet must fail the migration, never complete it.
 */
public class CorruptPayloadException extends Exception {
    private final int pageIndex;
    private final String reason;

    /** @param pageIndex index of the offending page within the packet, or -1 when it concerns the whole payload */
    public CorruptPayloadException(int pageIndex, String message) {
        this(pageIndex, message, null);
    }

    public CorruptPayloadException(int pageIndex, String message, Throwable cause) {
        super(pageIndex >= 0 ? "page " + pageIndex + " of packet: " + message : message, cause);
        this.pageIndex = pageIndex;
        this.reason = message;
    }

    /** Index of the offending page within the packet, or -1. */
    public int pageIndex() {
        return pageIndex;
    }

    /** What is wrong, without the page prefix of {@link #getMessage()}: for a caller that renumbers the page. */
    public String reason() {
        return reason;
    }
}
