package io.jmultifd.cli;

import io.jmultifd.multifd.MigrationParameters;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** {@code --set NAME=VALUE} (QEMU's parameter names) and {@code --json}, shared by incoming and migrate. */
final class ParameterOptions {
    @Option(names = "--set", paramLabel = "NAME=VALUE", mapFallbackValue = Option.NULL_VALUE,
            description = "A migration parameter by QEMU's name, e.g. multifd-channels=4, multifd-compression=qpl, "
                    + "max-bandwidth=1G (see jmultifd methods for the methods' own). Repeatable.")
    Map<String, String> set = new LinkedHashMap<>();

    @Option(names = "--json", description = "Print the result as one JSON object on stdout (no progress bar).")
    boolean json;

    /** The parameters, validated by the engine; a bad name or value is a usage error naming it. */
    MigrationParameters parameters(CommandSpec spec) {
        for (var e : set.entrySet()) {
            if (e.getKey().isBlank()) {
                throw new ParameterException(spec.commandLine(), "--set " + e.getKey() + "=" + e.getValue()
                        + ": the parameter name is empty");
            }
            if (e.getValue() == null) {
                throw new ParameterException(spec.commandLine(), "--set " + e.getKey()
                        + ": expected NAME=VALUE, e.g. multifd-channels=4");
            }
        }
        try {
            return MigrationParameters.from(set);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--set: " + e.getMessage());
        } catch (RuntimeException | LinkageError e) {
            // e.g. a method that cannot start on this host (MethodUnavailableException): the value is wrong here
            throw new ParameterException(spec.commandLine(), "--set: " + Main.describe(e));
        }
    }
}
