package io.jmultifd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jmultifd.multifd.Progress;
import io.jmultifd.multifd.Progress.Phase;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

class ProgressBarTest {
    private static final long GIB = 1L << 30;
    private final StringWriter text = new StringWriter();
    private final StatusLine status = new StatusLine(new PrintWriter(text));

    private static Progress bulk(long remaining) {
        return new Progress(Phase.BULK, 0, (GIB - remaining) / 2, GIB, remaining, 900.0, 0, -1);
    }

    @Test
    void eightyColumnsShowEveryFieldWithinSeventyNine() {
        Progress p = new Progress(Phase.ITERATE, 2, 700L << 20, GIB, 96L << 20, 812.4, 2560, 1234);
        String line = ProgressLine.render("migrate", p, 65_000, 812.4, 4_000, 4096, 80);
        assertTrue(line.length() <= 79, line.length() + ": " + line);
        assertEquals("migrate iterate r2 90% 700M/1.0G 812Mb/s 1:05 eta 0:04 dirty 10.0M/s dt~1234ms", line);
        String bulk = ProgressLine.render("migrate", bulk(GIB / 4), 3_000, 912.4, 1_000, 4096, 80);
        assertEquals("migrate bulk r0 75% [" + "#".repeat(19) + "......] 384M/1.0G 912Mb/s 0:03 eta 0:01", bulk);
    }

    @Test
    void narrowTerminalsDropTheBarThenTheOptionalFieldsButNeverWrap() {
        Progress p = new Progress(Phase.ITERATE, 12, 700L << 20, GIB, 96L << 20, 812.4, 2560, 1234);
        for (int columns = 20; columns <= 200; columns++) {
            String line = ProgressLine.render("incoming", p, 3_723_000, 812.4, -1, 4096, columns);
            assertTrue(line.length() <= columns - 1, columns + ": " + line);
            assertFalse(line.contains("\n") || line.contains("\r"), line);
        }
        String at50 = ProgressLine.render("incoming", p, 3_723_000, 812.4, -1, 4096, 50);
        assertFalse(at50.contains("["), "no room for a bar: " + at50);
        String at120 = ProgressLine.render("incoming", p, 3_723_000, 812.4, -1, 4096, 120);
        assertTrue(at120.contains("[" + "#".repeat(27) + "...]") && at120.contains("1:02:03 eta -:--"), at120);
    }

    @Test
    void percentFollowsTheRemainingPageBytesNotTheWireBytes() {
        String line = ProgressLine.render("migrate", bulk(GIB / 4), 1000, 900, -1, 4096, 80);
        assertTrue(line.contains(" 75% ["), line);
        Progress completed = new Progress(Phase.COMPLETED, 3, 10L << 20, GIB, 0, 100.0, 0, -1);
        assertTrue(ProgressLine.render("migrate", completed, 1000, 9, 0, 4096, 80).contains("100% [####"), "full");
    }

    @Test
    void redrawsInPlaceErasingTheRestAndFinishEndsTheLine() {
        ProgressBar bar = new ProgressBar(status, "migrate", 4096, () -> 80);
        bar.onProgress(bulk(GIB));
        bar.onProgress(new Progress(Phase.COMPLETED, 1, GIB, GIB, 0, 0, 0, -1));
        bar.finish();
        String out = text.toString();
        assertEquals(2, out.split("\r", -1).length - 1, out);
        assertEquals(2, out.split("\u001b\\[K", -1).length - 1, "each redraw erases the rest of the row: " + out);
        assertTrue(out.endsWith(System.lineSeparator()), out);
        bar.finish(); // nothing drawn since: no second line break
        assertEquals(out, text.toString());
    }

    @Test
    void aLogLineIsPrintedAboveTheBarNeverOnItsRow() throws Exception {
        ProgressBar bar = new ProgressBar(status, "migrate", 4096, () -> 80);
        bar.onProgress(bulk(GIB));
        String drawn = text.toString().substring(1).replace("\u001b[K", "");
        try (AutoCloseable logs = status.routeLogs()) {
            Logger.getLogger("io.jmultifd.test").warning("qpl: falling back to software");
        }
        String out = text.toString();
        int log = out.indexOf("jmultifd: WARNING: qpl: falling back to software");
        // The bar's row is erased before the log line, which ends with a line break; then the bar is drawn again.
        assertTrue(out.substring(0, log).endsWith("\r\u001b[K"), out);
        String after = out.substring(out.indexOf('\n', log) + 1);
        assertEquals(drawn + "\u001b[K", after, out);
        bar.finish();
    }

    @Test
    void aCancelledOrFailedBarKeepsHowFarItGotAndHasNoEta() {
        // The engine's end report says nothing remains (as a tmux capture of a Ctrl-C showed: "cancelled r0 100%
        // ... 74.7M/256M ... eta 0:00" over "migration cancelled"); the bar must agree with the summary.
        for (Phase end : new Phase[] {Phase.CANCELLED, Phase.FAILED}) {
            StringWriter drawn = new StringWriter();
            ProgressBar bar = new ProgressBar(new StatusLine(new PrintWriter(drawn)), "migrate", 4096, () -> 80);
            bar.onProgress(bulk(GIB / 4 * 3));
            bar.onProgress(new Progress(end, 0, GIB / 8, GIB, 0, 0, 0, -1));
            String[] rows = drawn.toString().split("\r");
            String last = rows[rows.length - 1].replace("\u001b[K", "");
            String word = end.toString();
            assertTrue(last.startsWith("migrate " + word + " r0 25% ["), last);
            assertTrue(last.endsWith(" eta -:--"), last);
        }
    }

    @Test
    void cancelledIsShownAsCancelled() {
        Progress p = new Progress(Phase.CANCELLED, 1, 1 << 20, GIB, GIB / 2, 0, 0, -1);
        assertTrue(ProgressLine.render("migrate", p, 1000, 8, 0, 4096, 80).startsWith("migrate cancelled r1 50%"));
    }

    @Test
    void columnsComeFromColumnsThenTheTerminalThenEighty() {
        assertEquals(132, Terminal.columns(Map.of("COLUMNS", "132"), -1));
        assertEquals(80, Terminal.columns(Map.of("COLUMNS", "wide"), -1), "fd -1 is no terminal");
        assertEquals(80, Terminal.columns(Map.of(), -1));
    }
}
