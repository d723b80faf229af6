package io.jmultifd.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The root command: only subcommands do something. */
@Command(name = "jmultifd", mixinStandardHelpOptions = true, version = "jmultifd 0.1.0",
        description = "Multifd live migration of large off-heap memory, with per-page QPL/IAA compression.",
        footer = {"", "Exit codes: 0 completed, 1 failed or cancelled, 2 usage error."})
final class JmultifdCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(),
                "missing command (one of: " + String.join(", ", spec.subcommands().keySet()) + ")");
    }
}
