package io.jmultifd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jmultifd.multifd.Progress;
import io.jmultifd.multifd.Progress.Phase;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class ProgressBarTest {
    private final StringWriter text = new StringWriter();
    private final ProgressBar bar = new ProgressBar(new PrintWriter(text), "migrate", 4096);

    @Test
    void lineShowsPhaseRoundBytesAgainstTheGuestAndDirtyPages() {
        String line = bar.line(new Progress(Phase.ITERATE, 2, 32L << 20, 64L << 20, 256, 800.0));
        assertTrue(line.startsWith("migrate iterate   round 2   [############............]"), line);
        assertTrue(line.contains("32.0 MiB of 64.0 MiB"), line);
        assertTrue(line.contains("800.0 Mbit/s"), line);
        assertTrue(line.endsWith("dirty 256 pages (1.0 MiB)"), line);
    }

    @Test
    void completedIsAFullBarEvenWhenCompressionSentLessThanTheGuest() {
        String line = bar.line(new Progress(Phase.COMPLETED, 3, 10L << 20, 64L << 20, 0, 100.0));
        assertTrue(line.contains("[########################]"), line);
    }

    @Test
    void redrawsInPlaceAndFinishEndsTheLine() {
        bar.onProgress(new Progress(Phase.BULK, 0, 1 << 20, 64L << 20, 0, 0));
        bar.onProgress(new Progress(Phase.COMPLETED, 1, 64L << 20, 64L << 20, 0, 0));
        bar.finish();
        String out = text.toString();
        assertEquals(2, out.chars().filter(c -> c == '\r').count(), out);
        assertTrue(out.endsWith(System.lineSeparator()), out);
        bar.finish(); // nothing drawn since: no second line break
        assertEquals(out, text.toString());
    }
}
