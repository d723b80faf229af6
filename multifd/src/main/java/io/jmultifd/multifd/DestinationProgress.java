package io.jmultifd.multifd;

import io.jmultifd.multifd.channels.PageCounters;
import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.postcopy.PostcopyDestination;
import io.jmultifd.multifd.transport.Connection;
import java.util.List;

/**
 * The destination's progress reports: at each phase change and round, and while the rounds run every
 * {@link #TICK_MILLIS} from a thread of its own ({@link #tick()}), so that a long bulk round is not silent until
 * its sync.
 */
final class DestinationProgress {
    private static final System.Logger LOG = System.getLogger(DestinationProgress.class.getName());
    static final long TICK_MILLIS = 250;

    private final ProgressListener listener;
    private final List<Connection> connections;
    private final PageCounters pages;
    private final int pageSize;
    private volatile GuestMemory guest;
    private volatile PostcopyDestination postcopy;
    private Progress.Phase phase = Progress.Phase.SETUP;
    private long round;

    DestinationProgress(ProgressListener listener, List<Connection> connections, PageCounters pages, int pageSize) {
        this.listener = listener == null ? ProgressListener.NONE : listener;
        this.connections = connections;
        this.pages = pages;
        this.pageSize = pageSize;
    }

    /** The guest being received: its size is the total from now on. */
    void receiving(GuestMemory g) {
        guest = g;
    }

    /** postcopy-ram=on: its statistics from the switchover on; in postcopy the remaining bytes are its missing pages. */
    void postcopy(PostcopyDestination p) {
        postcopy = p;
    }

    synchronized void report(Progress.Phase newPhase, long newRound) {
        phase = newPhase;
        round = newRound;
        long bytes = 0;
        for (Connection c : connections) {
            bytes += c.bytesRead();
        }
        GuestMemory g = guest;
        long total = g == null ? 0 : g.totalBytes();
        PostcopyDestination pc = postcopy;
        long remaining = phase == Progress.Phase.BULK ? Math.max(0, total - pages.pages() * pageSize)
                : pc != null && (phase == Progress.Phase.POSTCOPY_ACTIVE || phase == Progress.Phase.POSTCOPY_PAUSED)
                ? pc.pendingPages() * pageSize : 0;
        try {
            listener.onProgress(new Progress(phase, round, bytes, total, remaining, 0, 0, -1,
                    pc == null ? null : pc.statistics()));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "progress listener threw " + e);
        }
    }

    /** The phase changes, the round stays. */
    synchronized void report(Progress.Phase newPhase) {
        report(newPhase, round);
    }

    /**
     * Starts the thread that reports every TICK_MILLIS ({@link #tick()}), {@code jmultifd-dst-progress}, when someone
     * listens: without a listener it would wake four times a second for nothing.
     */
    void startTicking(EngineThreads threads) {
        if (listener != ProgressListener.NONE) {
            threads.start("jmultifd-dst-progress", this::tick);
        }
    }

    /** Reports the current phase again every TICK_MILLIS while pages arrive; ends with them or when interrupted. */
    void tick() {
        while (true) {
            try {
                Thread.sleep(TICK_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            synchronized (this) {
                if (phase.ordinal() >= Progress.Phase.VERIFY.ordinal()) {
                    return;
                }
                report(phase, round);
            }
        }
    }
}
