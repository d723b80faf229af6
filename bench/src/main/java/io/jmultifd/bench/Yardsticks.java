package io.jmultifd.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the C yardsticks that bench/native/build.sh compiled into bench/target/native/ and parses their
 * one line of key=value pairs. A yardstick that is missing or fails gives no figures and a reason, so the
 * report can say which ratio is absent and why.
 */
final class Yardsticks {
    private final Path nativeDir;

    Yardsticks(Path nativeDir) {
        this.nativeDir = nativeDir;
    }

    /** The outcome of one yardstick: its figures, or why there are none. */
    record Outcome(String name, Map<String, String> figures, String problem) {
        double number(String key) {
            String v = figures.get(key);
            if (v == null) throw new IllegalStateException(name + " printed no " + key + ": " + figures);
            return Double.parseDouble(v);
        }

        boolean ok() {
            return problem == null;
        }
    }

    Outcome qplReference(Path pagesFile, int repeats) {
        return run("qpl_page_bench", List.of(pagesFile.toString(), "software", "fixed", Integer.toString(repeats)));
    }

    Outcome zeroScan(Path image, int passesPerBlock, int blocks) {
        return run("zero_scan", List.of(image.toString(), Integer.toString(passesPerBlock), Integer.toString(blocks)));
    }

    Outcome socketCopy(long bytes, int repeats) {
        return run("socket_copy", List.of(Long.toString(bytes), Integer.toString(repeats), "reuse"));
    }

    /** The socket copy between buffers of all the bytes (memory, not cache; the destination already backed). */
    Outcome socketCopyMemory(long bytes, int repeats) {
        Outcome o = run("socket_copy", List.of(Long.toString(bytes), Integer.toString(repeats), "memory"));
        return new Outcome("socket_copy_memory", o.figures(), o.problem());
    }

    /** The socket copy into fresh memory (first-touch faults included, as on a migration destination). */
    Outcome socketCopyFresh(long bytes, int repeats) {
        Outcome o = run("socket_copy", List.of(Long.toString(bytes), Integer.toString(repeats), "fresh"));
        return new Outcome("socket_copy_fresh", o.figures(), o.problem());
    }

    private Outcome run(String name, List<String> args) {
        Path exe = nativeDir.resolve(name);
        if (!Files.isExecutable(exe)) {
            return new Outcome(name, Map.of(), exe + " was not built (see bench/native/build.sh's messages above)");
        }
        List<String> command = new ArrayList<>();
        command.add(exe.toString());
        command.addAll(args);
        return command(name, command);
    }

    /**
     * Runs {@code command} (its stderr goes to ours) and parses the key=value pairs it prints on stdout; an exit
     * code other than 0, no pairs or no end after 10 minutes give no figures and the reason.
     */
    static Outcome command(String name, List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                return new Outcome(name, Map.of(), String.join(" ", command) + ": no result after 10 minutes");
            }
            if (p.exitValue() != 0) {
                return new Outcome(name, Map.of(), String.join(" ", command) + ": exit code " + p.exitValue() + ": " + out);
            }
            Map<String, String> figures = new LinkedHashMap<>();
            for (String pair : out.split("\\s+")) {
                int eq = pair.indexOf('=');
                if (eq > 0) figures.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
            if (figures.isEmpty()) return new Outcome(name, Map.of(), String.join(" ", command) + ": printed no figures: " + out);
            return new Outcome(name, figures, null);
        } catch (IOException e) {
            return new Outcome(name, Map.of(), "cannot run " + command.getFirst() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(name, Map.of(), "interrupted");
        }
    }
}
