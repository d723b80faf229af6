package io.jmultifd.cli;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Map;

/**
 * Whether a standard stream is a terminal (the progress bar is drawn only on one), and how wide it is.
 *
 * <p>Two libc calls through FFM rather than a terminal library: JLine would answer both, but brings its own
 * terminal set-up and signal handling, which would compete with the Ctrl-C guard ({@link ShutdownGuard}), for
 * what is {@code isatty} and one {@code ioctl}.
 */
final class Terminal {
    /** The width when nothing says otherwise (and the narrowest a bar is designed for). */
    static final int DEFAULT_COLUMNS = 80;
    /** Linux's TIOCGWINSZ request (x86-64 and aarch64). */
    private static final long TIOCGWINSZ = 0x5413;

    private Terminal() {}

    /**
     * {@code isatty(fd)} from the C library. {@link System#console()} cannot answer this for stderr alone (it
     * looks at stdin and stdout), and a redirected stdout (e.g. {@code > result.json}) must not hide the
     * progress on a terminal stderr. When the downcall is not possible, falls back to the console check.
     */
    static boolean isTerminal(int fd) {
        try {
            Linker linker = Linker.nativeLinker();
            MethodHandle isatty = linker.downcallHandle(linker.defaultLookup().findOrThrow("isatty"),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            return (int) isatty.invokeExact(fd) == 1;
        } catch (Throwable e) {
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

    /** ws_col of {@code struct winsize} (four unsigned shorts: rows, columns, x pixels, y pixels); 0 if unknown. */
    private static int windowColumns(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            Linker linker = Linker.nativeLinker();
            MethodHandle ioctl = linker.downcallHandle(linker.defaultLookup().findOrThrow("ioctl"),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                            ValueLayout.ADDRESS), Linker.Option.firstVariadicArg(2));
            MemorySegment winsize = arena.allocate(8, 2);
            if ((int) ioctl.invokeExact(fd, TIOCGWINSZ, winsize) != 0) {
                return 0;
            }
            return Short.toUnsignedInt(winsize.get(ValueLayout.JAVA_SHORT, 2));
        } catch (Throwable e) {
            return 0;
        }
    }
}
