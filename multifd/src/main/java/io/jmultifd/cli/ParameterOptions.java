package io.jmultifd.cli;

import io.jmultifd.multifd.MigrationParameters;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** {@code --set NAME=VALUE} (QEMU's parameter names) and {@code --json}, shared by incoming and migrate. */
final class ParameterOptions {
    /**
     * Only the source reads these; a destination given one says so. (downtime-limit is read by both: the source
     * decides when to stop and copy by it, and each end holds its own downtime against it, downtime_exceeded.)
     */
    static final Set<String> SOURCE_ONLY = Set.of(MigrationParameters.MAX_BANDWIDTH,
            MigrationParameters.CONVERGENCE_TIMEOUT, MigrationParameters.FORCE_CONVERGE);
    /** Only the destination reads these; a source given one says so. */
    static final Set<String> DESTINATION_ONLY = Set.of(MigrationParameters.MAX_GUEST_SIZE,
            MigrationParameters.PREALLOC);

    @Option(names = "--set", paramLabel = "NAME=VALUE",
            description = "A migration parameter by QEMU's name, e.g. multifd-channels=4, multifd-compression=qpl, "
                    + "max-bandwidth=1G (listed below; jmultifd methods lists the methods' own). Repeatable, once "
                    + "per name.")
    List<String> set = new ArrayList<>();

    @Option(names = "--json", description = "Print the result as one JSON object on stdout, shaped as QEMU's "
            + "query-migrate (docs/query-migrate.schema.json); no progress bar.")
    boolean json;

    @Option(names = "--json-progress", description = "While it runs, print one JSON object per line on stdout "
            + "(docs/migration-progress.schema.json), at every phase change and every 250 ms; the last line is the "
            + "result as --json prints it. No progress bar. 'jmultifd plot' draws them.")
    boolean jsonProgress;

    /** Whether stdout carries JSON (then stderr shows no progress bar: scripts read both). */
    boolean anyJson() {
        return json || jsonProgress;
    }

    /**
     * The parameters, validated by the engine; a bad name or value is a usage error naming it. A parameter that
     * the other side alone reads is taken with a warning on {@code err}.
     *
     * @param destination whether this is the destination (incoming)
     */
    MigrationParameters parameters(CommandSpec spec, boolean destination, PrintWriter err) {
        Map<String, String> given = new LinkedHashMap<>();
        Map<String, String> known = MigrationParameters.knownParameters();
        for (String s : set) {
            int eq = s.indexOf('=');
            if (eq < 0) {
                throw new ParameterException(spec.commandLine(), "--set " + s + ": expected NAME=VALUE, e.g. "
                        + "multifd-channels=4");
            }
            String name = s.substring(0, eq).strip();
            if (name.isEmpty()) {
                throw new ParameterException(spec.commandLine(), "--set " + s + ": the parameter name is empty");
            }
            if (!known.containsKey(name)) {
                String near = Suggestions.closest(name, known.keySet());
                throw new ParameterException(spec.commandLine(), "--set " + s + ": unknown parameter " + name
                        + (near == null ? "" : "; did you mean " + near + "?"));
            }
            if (given.containsKey(name)) {
                throw new ParameterException(spec.commandLine(), "--set " + s + ": " + name + " is already set to "
                        + given.get(name) + "; give each parameter once");
            }
            given.put(name, s.substring(eq + 1));
            Set<String> otherSide = destination ? SOURCE_ONLY : DESTINATION_ONLY;
            if (otherSide.contains(name)) {
                err.println("jmultifd " + (destination ? "incoming" : "migrate") + ": warning: --set " + name
                        + " means nothing on this side (only the " + (destination ? "source" : "destination")
                        + " reads it); ignored here");
            }
        }
        try {
            MigrationParameters parameters = MigrationParameters.from(given);
            // Before listening or connecting: a pinned tier this host lacks (qpl-path=hardware without IAA).
            parameters.method().checkUsable(parameters.methodParameters());
            return parameters;
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--set: " + e.getMessage());
        } catch (RuntimeException | LinkageError e) {
            // e.g. a method that cannot start on this host (MethodUnavailableException): the value is wrong here
            throw new ParameterException(spec.commandLine(), "--set: " + Main.describe(e));
        }
    }

    /** The engine's parameters and their defaults, for the end of --help. */
    static List<String> helpFooter() {
        List<String> lines = new ArrayList<>();
        lines.add("");
        lines.add("Engine parameters (--set NAME=VALUE) and their defaults:");
        MigrationParameters.ENGINE_DEFAULTS.forEach((name, value) -> lines.add(String.format("  %-22s %s%s", name,
                value, SOURCE_ONLY.contains(name) ? "  (source only)"
                        : DESTINATION_ONLY.contains(name) ? "  (destination only)" : "")));
        lines.add("Sizes and rates take a k/M/G/T suffix (powers of 1024). Method parameters: jmultifd methods.");
        return lines;
    }
}
