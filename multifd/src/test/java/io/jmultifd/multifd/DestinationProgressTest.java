package io.jmultifd.multifd;

import io.jmultifd.multifd.channels.PageCounters;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The destination's progress ticker is a thread only when someone listens. */
class DestinationProgressTest {

    @Test
    void nobodyListeningStartsNoTicker() {
        EngineThreads threads = new EngineThreads();
        new DestinationProgress(ProgressListener.NONE, List.of(), new PageCounters(), 4096).startTicking(threads);
        new DestinationProgress(null, List.of(), new PageCounters(), 4096).startTicking(threads);
        assertEquals(List.of(), threads.names());
    }

    @Test
    void aListenerGetsTheTicker() {
        EngineThreads threads = new EngineThreads();
        DestinationProgress progress = new DestinationProgress(p -> { }, List.of(), new PageCounters(), 4096);
        progress.startTicking(threads);
        assertEquals(List.of("jmultifd-dst-progress"), threads.names());
        progress.report(Progress.Phase.VERIFY, 1); // the ticker ends at its next tick
        threads.joinAll();
    }
}
