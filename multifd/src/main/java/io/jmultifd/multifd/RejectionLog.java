package io.jmultifd.multifd;

/**
 * Logs the connections a destination turned away, one WARNING line each, but at most {@link #PER_SECOND} a
 * second: beyond that they are counted and the count is logged with the next line, so that a flood of
 * connections cannot flood the log.
 */
final class RejectionLog {
    private static final System.Logger LOG = System.getLogger(MigrationDestination.class.getName());
    static final int PER_SECOND = 5;

    private long windowStart = System.nanoTime();
    private int inWindow;
    private long untold;

    synchronized void rejected(String peer, String why) {
        long now = System.nanoTime();
        if (now - windowStart >= 1_000_000_000L) {
            windowStart = now;
            inWindow = 0;
        }
        if (inWindow >= PER_SECOND) {
            untold++;
            return;
        }
        inWindow++;
        String more = untold == 0 ? "" : " (and " + untold + " more turned away before it, not logged)";
        untold = 0;
        LOG.log(System.Logger.Level.WARNING, "incoming: turned away a connection from " + peer + ": " + why + more);
    }

    /** Logs how many went untold. */
    synchronized void flush() {
        if (untold > 0) {
            LOG.log(System.Logger.Level.WARNING, "incoming: turned away " + untold + " more connections, not logged one by one");
            untold = 0;
        }
    }
}
