package io.jmultifd.cli;

import io.jmultifd.multifd.guest.AvailableMemory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs {@link Main} in-process with captured stdout and stderr. */
record CliRunner(int exitCode, String out, String err) {
    static CliRunner run(String... args) {
        return run(null, args);
    }

    /** As {@link #run(String...)}, with the memory the commands see as available (null: the machine's). */
    static CliRunner run(AvailableMemory memory, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = (memory == null ? new Main(o, e) : new Main(o, e, false, () -> memory)).run(args);
        }
        return new CliRunner(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
}
