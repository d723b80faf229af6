package io.jmultifd.cli;

import io.jmultifd.spi.CompressionMethod;
import io.jmultifd.spi.CompressionMethods;
import io.jmultifd.spi.TierStatus;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * {@code jmultifd qpl-info}: the {@code qpl} method's own diagnostics (library, version, hardware and software
 * path status). The method is found by name through the SPI like any other; its classes are never named here.
 */
@Command(name = "qpl-info", mixinStandardHelpOptions = true,
        description = "Show what the qpl method found on this host: libqpl path, source and version, "
                + "hardware path status (with the QPL status code) and software path status.",
        footer = {"", "Exit code 0 when the qpl method is on the class path (even if no IAA hardware is usable), "
                + "1 when it is not."})
final class QplInfoCommand implements Callable<Integer> {
    static final String METHOD = "qpl";

    private final CliContext context;

    QplInfoCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public Integer call() {
        Optional<CompressionMethod> found = CompressionMethods.all().stream()
                .filter(m -> m.name().equals(METHOD)).findFirst();
        if (found.isEmpty()) {
            context.err().println("jmultifd qpl-info: no '" + METHOD + "' compression method on the class path"
                    + " (found: " + String.join(", ", CompressionMethods.all().stream().map(CompressionMethod::name).toList())
                    + "); the accel-plugin jar must be on the class path (the ./jmultifd launcher puts it there)");
            return Main.EXIT_FAILED;
        }
        CompressionMethod qpl = found.get();
        PrintWriter out = context.out();
        out.println("method: " + qpl.name() + " - " + qpl.description());
        Map<String, String> diagnostics;
        try {
            diagnostics = qpl.diagnostics();
        } catch (RuntimeException | LinkageError e) {
            diagnostics = Map.of("diagnostics error", Main.describe(e));
        }
        int width = diagnostics.keySet().stream().mapToInt(String::length).max().orElse(0);
        // A multi-line value (e.g. every place the loader searched) stays indented under its key.
        String continuation = System.lineSeparator() + " ".repeat(width + 6);
        diagnostics.forEach((k, v) -> out.println("  " + MethodsCommand.pad(k + ":", width + 1) + " "
                + (v == null ? "" : String.join(continuation, v.lines().toList()))));
        out.println("tiers (the auto path takes the first available):");
        try {
            List<TierStatus> tiers = qpl.tiers();
            int tierWidth = tiers.stream().mapToInt(t -> t.tier().length()).max().orElse(4);
            for (TierStatus t : tiers) {
                out.println("  " + MethodsCommand.pad(t.tier(), tierWidth) + "  "
                        + MethodsCommand.pad(t.available() ? "available" : "unavailable", 11)
                        + (t.detail() == null || t.detail().isBlank() ? "" : "  " + t.detail()));
            }
        } catch (RuntimeException | LinkageError e) {
            out.println("  error: " + Main.describe(e));
        }
        return Main.EXIT_OK;
    }
}
