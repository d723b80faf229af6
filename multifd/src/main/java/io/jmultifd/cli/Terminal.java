package io.jmultifd.cli;

import io.jmultifd.linux.Libc;
import java.util.Map;

/**
 * Whether a standard stream is a terminal (the progress bar is drawn only on one), and how wide it is.
 *
 * <p>Two libc calls through linux-bindings rather than a terminal library: JLine would answer both, but brings
 * its own terminal set-up and signal handling, which would compete with the Ctrl-C guard ({@link ShutdownGuard}),
 * for what is {@code isatty} and one {@code ioctl}.
 */
final class Terminal {
    /** The width when nothing says otherwise (and the narrowest a bar is designed for). */
    static final int DEFAULT_COLUMNS = 80;
    private Terminal() {}

    /**
     * {@code isatty(fd)} from the C library. {@link System#console()} cannot answer this for stderr alone (it
     * looks at stdin and stdout), and a redirected stdout (e.g. {@code > result.json}) must not hide the
     * progress on a terminal stderr. When the downcall is not possible, falls back to the console check.
     */
    static boolean isTerminal(int fd) {
        try {
            return Libc.isatty(fd); // linux-bindings; IllegalStateException where it is unavailable
        } catch (RuntimeException e) {
            var console = System.console();
            return console != null && console.isTerminal();
        }
    }

    /**
     * The terminal's width: {@code COLUMNS} when it is exported and a positive number, else the window size of
     * file descriptor {@code fd} ({@code ioctl(TIOCGWINSZ)}), else {@link #DEFAULT_COLUMNS}.
     */
    static int columns(int fd) {
        return columns(System.getenv(), fd);
    }

    static int columns(Map<String, String> env, int fd) {
        String columns = env.get("COLUMNS");
        if (columns != null) {
            try {
                int n = Integer.parseInt(columns.strip());
                if (n > 0) {
                    return n;
                }
            } catch (NumberFormatException ignored) {
                // not a number: ask the terminal
            }
        }
        int n = windowColumns(fd);
        return n > 0 ? n : DEFAULT_COLUMNS;
    }

    /** The window's columns ({@code ioctl(TIOCGWINSZ)} through linux-bindings); 0 if unknown. */
    private static int windowColumns(int fd) {
        try {
            return Libc.terminalColumns(fd); // IllegalStateException where linux-bindings is unavailable
        } catch (RuntimeException e) {
            return 0;
        }
    }
}
