package io.jmultifd.cli;

import io.jmultifd.linux.Libc;

/** Whether a standard stream is a terminal: the progress bar is drawn only on a terminal. */
final class Terminal {
    private Terminal() {}

    /**
     * {@code isatty(fd)} from the C library. {@link System#console()} cannot answer this for stderr alone (it
     * looks at stdin and stdout), and a redirected stdout (e.g. {@code > result.json}) must not hide the
     * progress on a terminal stderr. When the downcall is not possible, falls back to the console check.
     */
    static boolean isTerminal(int fd) {
        try {
            return Libc.isatty(fd); // linux-bindings; IllegalStateException where it is unavailable
        } catch (Throwable e) {
            var console = System.console();
            return console != null && console.isTerminal();
        }
    }
}
