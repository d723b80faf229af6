package io.jmultifd.cli;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

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
            Linker linker = Linker.nativeLinker();
            MethodHandle isatty = linker.downcallHandle(linker.defaultLookup().findOrThrow("isatty"),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            return (int) isatty.invokeExact(fd) == 1;
        } catch (Throwable e) {
            var console = System.console();
            return console != null && console.isTerminal();
        }
    }
}
