package io.jmultifd.multifd;

/**
 * A progress report.
 *
 * @param phase                 where the migration is
 * @param round                 0 = the bulk round, then one per dirty-page round
 * @param bytesSent             page bytes sent (source) or received (destination) so far, headers included
 * @param bytesTotal            the guest size
 * @param dirtyPagesRemaining   pages dirty at the last sync (source), 0 on the destination
 * @param mbps                  megabits per second over the last round
 */
public record Progress(Phase phase, long round, long bytesSent, long bytesTotal, long dirtyPagesRemaining, double mbps) {
    public enum Phase {
        SETUP, BULK, ITERATE, STOP_COPY, VERIFY, COMPLETED, FAILED;

        @Override
        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }
}
