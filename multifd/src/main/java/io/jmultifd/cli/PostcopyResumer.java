package io.jmultifd.cli;

import io.jmultifd.multifd.MigrationSource;
import io.jmultifd.multifd.Progress;
import io.jmultifd.multifd.ProgressListener;

/**
 * The CLI source's answer to postcopy-paused: the process that holds the frozen guest is the only one that can resume
 * it, so it resumes by itself: it asks {@link MigrationSource#resume} again after 1 s, 2 s, 4 s ... up to every 30 s,
 * as long as the migration stays paused; Ctrl-C gives up (the guest is lost then), as postcopy-pause-timeout does.
 */
final class PostcopyResumer implements ProgressListener {
    static final long FIRST_DELAY_MS = 1000;
    static final long MAX_DELAY_MS = 30_000;

    private final MigrationSource source;
    private final StatusLine status;
    private volatile Progress.Phase phase;
    private Thread retrying;

    PostcopyResumer(MigrationSource source, StatusLine status) {
        this.source = source;
        this.status = status;
    }

    @Override
    public synchronized void onProgress(Progress p) {
        phase = p.phase();
        if (p.phase() == Progress.Phase.POSTCOPY_PAUSED && (retrying == null || !retrying.isAlive())) {
            status.println("migrate: postcopy-paused (a connection broke; the guest lives on both ends): reconnecting "
                    + "by itself every " + FIRST_DELAY_MS / 1000 + " s and up to every " + MAX_DELAY_MS / 1000
                    + " s; Ctrl-C gives up and loses the guest");
            retrying = Thread.ofPlatform().daemon(true).name("jmultifd-cli-resume").start(this::retry);
        }
    }

    private void retry() {
        long delay = FIRST_DELAY_MS;
        try {
            while (true) {
                Thread.sleep(delay);
                if (phase != Progress.Phase.POSTCOPY_PAUSED) {
                    return; // resumed, or ended
                }
                try {
                    source.resume(null);
                } catch (IllegalStateException e) {
                    return; // no longer paused
                }
                delay = Math.min(MAX_DELAY_MS, delay * 2);
            }
        } catch (InterruptedException e) {
            // the command ends
        }
    }
}
