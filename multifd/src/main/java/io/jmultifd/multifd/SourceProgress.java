package io.jmultifd.multifd;

import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.postcopy.PostcopySource;
import io.jmultifd.multifd.ram.Convergence;

/** The sending side's progress reports (a migration's or a snapshot save's), delivered to its listener. */
final class SourceProgress {
    private static final System.Logger LOG = System.getLogger(SourceProgress.class.getName());

    private SourceProgress() {
    }

    /**
     * @param round          the round being sent
     * @param syncs          the rounds the result will count (reported from VERIFY on, as the result says)
     * @param bytes          bytes moved so far
     * @param pagesSent      pages sent so far (the bulk round's remaining bytes are the rest of the guest)
     * @param dirtyRemaining pages dirty at the last sync (the remaining bytes after the bulk round)
     * @param postcopy       postcopy-ram=on, else null: its statistics from the switchover on, and in postcopy the
     *                       remaining bytes are the pages its background round has not handed to a channel yet
     */
    static void report(ProgressListener listener, Progress.Phase phase, long round, long syncs, long bytes,
                       GuestMemory guest, long pagesSent, long dirtyRemaining, Convergence convergence,
                       PostcopySource postcopy) {
        boolean verifying = phase.ordinal() >= Progress.Phase.VERIFY.ordinal();
        boolean postcopying = phase == Progress.Phase.POSTCOPY_ACTIVE || phase == Progress.Phase.POSTCOPY_PAUSED;
        long remaining = phase == Progress.Phase.BULK ? guest.totalBytes() - pagesSent * guest.pageSize()
                : verifying ? 0 : (postcopying ? guest.dirtyCount() : dirtyRemaining) * guest.pageSize();
        try {
            listener.onProgress(new Progress(phase, verifying ? syncs : round, bytes, guest.totalBytes(),
                    Math.max(0, remaining), convergence.lastMbps(), convergence.dirtyPagesRate(),
                    convergence.expectedDowntimeMs(), postcopy == null ? null : postcopy.statistics()));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "progress listener threw " + e);
        }
    }
}
