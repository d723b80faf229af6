package io.jmultifd.qpl.jobs;

import java.util.Objects;

/**
 * A QPL call returned a status other than {@link QplStatus#OK} where the caller cannot go on. Unchecked: it
 * means a setup step failed (e.g. {@code qpl_init_job} on the hardware path of a host without IAA gives
 * {@code QPL_STS_INIT_LIBACCEL_NOT_FOUND (501)}), not bad input.
 */
public class QplException extends RuntimeException {
    private final QplStatus status;
    private final int statusCode;
    private final String operation;
    private final QplPath path;

    /**
     * @param statusCode the raw {@code qpl_status}, kept even when {@link QplStatus} does not know it
     * @param operation  the QPL function or step, e.g. {@code "qpl_init_job"}
     * @param path       the job's path
     */
    public QplException(int statusCode, String operation, QplPath path) {
        super(operation + " on the " + Objects.requireNonNull(path, "path").tierName() + " path failed: "
                + QplStatus.describe(statusCode) + " - " + QplStatus.fromCode(statusCode).description());
        this.status = QplStatus.fromCode(statusCode);
        this.statusCode = statusCode;
        this.operation = operation;
        this.path = path;
    }

    /** The status, or {@link QplStatus#UNKNOWN} (see {@link #statusCode()}). */
    public QplStatus status() {
        return status;
    }

    /** The raw {@code qpl_status} that QPL returned. */
    public int statusCode() {
        return statusCode;
    }

    public String operation() {
        return operation;
    }

    public QplPath path() {
        return path;
    }
}
