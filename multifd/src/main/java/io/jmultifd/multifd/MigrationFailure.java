package io.jmultifd.multifd;

import java.util.Objects;

/**
 * Why one side of a migration did not complete: the first failure it recorded (later ones are consequences).
 *
 * @param status  FAILED or CANCELLED
 * @param side    the side that found the failure and named it: this side, or the peer when the peer said why
 *                (its refusal, its error message, its checksum verdict)
 * @param cause   what kind of failure it is
 * @param channel the data channel it happened on, or {@link #NO_CHANNEL} (the main channel, or none)
 * @param message for people: names the channel and packet, the values that differ, the limit broken
 */
public record MigrationFailure(MigrationStatus status, Side side, Cause cause, int channel, String message) {
    public static final int NO_CHANNEL = -1;

    public enum Side {
        SOURCE, DESTINATION;

        public Side peer() {
            return this == SOURCE ? DESTINATION : SOURCE;
        }
    }

    public enum Cause {
        /** cancelled by the user of that side */
        CANCELLED,
        /** the destination refused the handshake: a parameter differs or a limit is broken */
        REFUSED,
        /** the peer sent bytes that break the wire rules, or a payload that does not decode */
        PROTOCOL,
        /** a connection could not be made, or broke */
        CONNECTION,
        /** nothing whole (a packet, a message) moved on any channel for peer-timeout */
        STALLED,
        /** the peer did not take a setup step (connect, answer, data connections) within setup-timeout */
        SETUP_TIMEOUT,
        /**
         * TLS refused a connection, or could not start: this side's credentials (tls-creds), or the peer's
         * certificate, host name or TLS (one end without it)
         */
        TLS,
        /** the dirty pages never fit the downtime limit within convergence-timeout */
        NOT_CONVERGED,
        /** the blocks' checksums differ between the two ends */
        CHECKSUM_MISMATCH,
        /** the compression method could not set up a channel */
        METHOD,
        /** the peer stopped and said why in an error message */
        PEER,
        /** a snapshot file could not be created, written or read (disk full, I/O error, O_DIRECT refused) */
        STORAGE,
        /** a snapshot file is damaged, cut short, unfinished or of another version */
        CORRUPT_FILE,
        /** the side's thread was interrupted */
        INTERRUPTED,
        /** a defect of the engine (the log has the stack trace) */
        INTERNAL
    }

    public MigrationFailure {
        Objects.requireNonNull(status);
        Objects.requireNonNull(side);
        Objects.requireNonNull(cause);
        Objects.requireNonNull(message);
        if (status == MigrationStatus.COMPLETED) {
            throw new IllegalArgumentException("a failure cannot be COMPLETED");
        }
    }

    /** A failure not tied to a data channel. */
    public static MigrationFailure failed(Side side, Cause cause, String message) {
        return new MigrationFailure(MigrationStatus.FAILED, side, cause, NO_CHANNEL, message);
    }

    public static MigrationFailure cancelled(Side side, String message) {
        return new MigrationFailure(MigrationStatus.CANCELLED, side, Cause.CANCELLED, NO_CHANNEL, message);
    }
}
