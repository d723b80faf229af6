package io.jmultifd.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * stderr with one live line at the bottom (the progress bar): {@link #show} redraws it in place ({@code \r},
 * the text, then erase to the end of the line), and every other line ({@link #println}, the engine's log records
 * through {@link #routeLogs()}) first erases it, prints above it and draws it again, so that no message ever
 * shares a line with the bar. Without a live line it is plain stderr.
 */
final class StatusLine {
    private static final String ERASE_LINE = "\u001b[K";

    private final PrintWriter err;
    private String live;

    StatusLine(PrintWriter err) {
        this.err = err;
    }

    /** Draws {@code line} as the live line (it must fit the terminal's width; {@link ProgressLine} sees to it). */
    synchronized void show(String line) {
        live = line;
        err.print("\r" + line + ERASE_LINE);
        err.flush();
    }

    /** Prints {@code line} above the live line. */
    synchronized void println(String line) {
        if (live != null) {
            err.print("\r" + ERASE_LINE);
        }
        err.println(line);
        if (live != null) {
            err.print(live + ERASE_LINE);
        }
        err.flush();
    }

    /** Leaves the live line as it is and moves below it: what follows starts on a fresh line. */
    synchronized void end() {
        if (live != null) {
            err.println();
            err.flush();
            live = null;
        }
    }

    /**
     * Sends the engine's log records (System.Logger, i.e. java.util.logging) through {@link #println} instead of
     * the console handler, until closed.
     */
    AutoCloseable routeLogs() {
        Logger root = Logger.getLogger("");
        List<Handler> previous = List.of(root.getHandlers());
        // One line per record, as Main's console format: "jmultifd: LEVEL: message".
        Formatter format = new Formatter() {
            @Override
            public String format(LogRecord r) {
                return "jmultifd: " + r.getLevel().getLocalizedName() + ": " + formatMessage(r)
                        + (r.getThrown() == null ? "" : " (" + r.getThrown() + ")");
            }
        };
        Handler mine = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (isLoggable(r)) {
                    println(format.format(r).stripTrailing());
                }
            }

            @Override
            public void flush() {
                err.flush();
            }

            @Override
            public void close() {
            }
        };
        mine.setLevel(previous.isEmpty() ? java.util.logging.Level.INFO : previous.getFirst().getLevel());
        previous.forEach(root::removeHandler);
        root.addHandler(mine);
        return () -> {
            root.removeHandler(mine);
            previous.forEach(root::addHandler);
        };
    }
}
