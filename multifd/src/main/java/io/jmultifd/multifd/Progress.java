package io.jmultifd.multifd;

/**
 * A progress report.
 *
 * @param phase              where the migration is
 * @param round              0 = the bulk round, then one per dirty-page round (= the rounds completed so far)
 * @param bytesSent          bytes sent (source) or received (destination) so far on all channels, headers included
 * @param bytesTotal         the guest size (0 on the destination until the handshake told it)
 * @param remainingBytes     page bytes still to move: in the bulk round the pages not yet sent or received, then
 *                           (source) the pages dirty at the last sync; 0 once verifying
 * @param mbps               megabits per second over the last round
 * @param dirtyPagesRate     pages dirtied per second over the last round (source; 0 on the destination)
 * @param expectedDowntimeMs what stopping now would cost (source, after the bulk round); -1 when not known
 * @param postcopy           postcopy's statistics so far, from the switchover on (the destination: requests,
 *                           faults, latency, blocktime, preempt pages; the source: requests served, preempt pages
 *                           sent); {@link MigrationResult.Postcopy#NONE} before it, or without postcopy
 */
public record Progress(Phase phase, long round, long bytesSent, long bytesTotal, long remainingBytes, double mbps,
                       double dirtyPagesRate, long expectedDowntimeMs, MigrationResult.Postcopy postcopy) {

    public Progress {
        if (postcopy == null) {
            postcopy = MigrationResult.Postcopy.NONE;
        }
    }

    /** A report without postcopy statistics (precopy, snapshots). */
    public Progress(Phase phase, long round, long bytesSent, long bytesTotal, long remainingBytes, double mbps,
                    double dirtyPagesRate, long expectedDowntimeMs) {
        this(phase, round, bytesSent, bytesTotal, remainingBytes, mbps, dirtyPagesRate, expectedDowntimeMs,
                MigrationResult.Postcopy.NONE);
    }

    public enum Phase {
        SETUP, BULK, ITERATE, POSTCOPY_ACTIVE, POSTCOPY_PAUSED, STOP_COPY, VERIFY, COMPLETED, FAILED, CANCELLED;

        /** Whether the migration has ended in this phase. */
        public boolean ended() {
            return this == COMPLETED || this == FAILED || this == CANCELLED;
        }

        @Override
        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }
}
