package io.jmultifd.qpl;

import java.util.List;

/**
 * libqpl could not be loaded. The message names every place that was tried and why each one failed;
 * {@link #status()} carries the same as data.
 */
public final class QplUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient QplLibrary.Status status;

    QplUnavailableException(QplLibrary.Status status) {
        super(status.describe());
        this.status = status;
    }

    /** The outcome of the search that failed. */
    public QplLibrary.Status status() {
        return status;
    }

    /** Every place tried, in order, with its outcome. */
    public List<QplLibrary.Attempt> attempts() {
        return status.attempts();
    }
}
