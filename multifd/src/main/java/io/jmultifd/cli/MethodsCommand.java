package io.jmultifd.cli;

import io.jmultifd.spi.CompressionMethod;
import io.jmultifd.spi.CompressionMethods;
import io.jmultifd.spi.TierStatus;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code jmultifd methods}: every compression method the SPI finds, its parameters and its tiers. */
@Command(name = "methods", mixinStandardHelpOptions = true,
        description = "List the compression methods on the class path (multifd-compression=NAME), "
                + "their parameters with defaults, and which execution tiers this host can use.")
final class MethodsCommand implements Callable<Integer> {
    private final CliContext context;

    MethodsCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public Integer call() {
        PrintWriter out = context.out();
        List<CompressionMethod> methods = CompressionMethods.all();
        if (methods.isEmpty()) {
            out.println("no compression methods found on the class path");
            return Main.EXIT_FAILED;
        }
        int nameWidth = methods.stream().mapToInt(m -> m.name().length()).max().orElse(4);
        for (CompressionMethod m : methods) {
            String indent = " ".repeat(nameWidth + 2);
            out.println(pad(m.name(), nameWidth) + "  " + m.description());
            Map<String, String> defaults = m.parameterDefaults();
            StringBuilder parameters = new StringBuilder();
            defaults.forEach((k, v) -> parameters.append(parameters.isEmpty() ? "" : "  ").append(k).append('=').append(v));
            out.println(indent + "parameters: " + (parameters.isEmpty() ? "(none)" : parameters));
            List<TierStatus> tiers;
            try {
                tiers = m.tiers();
            } catch (RuntimeException | LinkageError e) {
                out.println(indent + "tiers:      error: " + Main.describe(e));
                continue;
            }
            int tierWidth = tiers.stream().mapToInt(t -> t.tier().length()).max().orElse(4);
            boolean first = true;
            for (TierStatus t : tiers) {
                out.println(indent + (first ? "tiers:      " : "            ") + pad(t.tier(), tierWidth) + "  "
                        + pad(t.available() ? "available" : "unavailable", 11)
                        + (t.detail() == null || t.detail().isBlank() ? "" : "  " + t.detail()));
                first = false;
            }
            if (tiers.isEmpty()) {
                out.println(indent + "tiers:      (none reported)");
            }
        }
        return Main.EXIT_OK;
    }

    static String pad(String s, int width) {
        return s.length() >= width ? s : s + " ".repeat(width - s.length());
    }
}
