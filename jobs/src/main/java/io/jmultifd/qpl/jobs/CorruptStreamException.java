package io.jmultifd.qpl.jobs;

/**
 * A DEFLATE stream that QPL could not inflate to exactly one page. Checked, like the SPI's
 * CorruptPayloadException that the {@code qpl} method turns it into.
 */
public class CorruptStreamException extends Exception {
    private final int pageIndex;
    private final int statusCode;

    /**
     * @param pageIndex  index of the stream within the batch
     * @param statusCode the {@code qpl_status} of the last attempt ({@code 0} when QPL succeeded but the output
     *                   was not one page)
     */
    public CorruptStreamException(int pageIndex, int statusCode, String message) {
        super(message);
        this.pageIndex = pageIndex;
        this.statusCode = statusCode;
    }

    public int pageIndex() {
        return pageIndex;
    }

    public int statusCode() {
        return statusCode;
    }

    public QplStatus status() {
        return QplStatus.fromCode(statusCode);
    }
}
