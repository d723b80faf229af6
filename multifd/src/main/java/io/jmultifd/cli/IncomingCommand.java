package io.jmultifd.cli;

import io.jmultifd.multifd.Endpoint;
import io.jmultifd.multifd.MigrationDestination;
import io.jmultifd.multifd.MigrationParameters;
import io.jmultifd.multifd.MigrationResult;
import io.jmultifd.multifd.ProgressListener;
import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.snapshot.SnapshotParameters;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code jmultifd incoming}: the destination; accepts one migration, optionally saves the received memory. */
@Command(name = "incoming", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Receive one migration (QEMU: -incoming). Prints 'listening on tcp:HOST:PORT' on stderr once "
                + "it listens (port 0 picks a free port).",
                "page-size, multifd-channels, packet-pages, multifd-zero-page, multifd-compression, "
                + "free-page-hint, postcopy-ram and postcopy-preempt (and a method's handshake parameters; none for the built-in methods) must "
                + "match the source's; a mismatch fails the handshake, naming the parameter and both values.",
                "Connections that bring no jmultifd handshake within setup-timeout (idle ones, other protocols) "
                + "are turned away with a WARNING line on stderr, and it keeps listening."},
        footer = {"", "Exit codes: 0 completed, 1 failed or cancelled, 2 usage error."})
final class IncomingCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--listen", required = true, paramLabel = "tcp:HOST:PORT|file:PATH",
            description = "Where to listen, e.g. tcp:0.0.0.0:4444 or tcp:127.0.0.1:0; or file:PATH to restore the "
                    + "snapshot saved there (needs --set mapped-ram=on).")
    String listen;

    @Option(names = "--output", paramLabel = "IMAGE",
            description = "Write the received memory to IMAGE (one block) or IMAGE.<block> (several), "
                    + "only once the migration COMPLETED with matching checksums.")
    Path output;

    @Option(names = "--force", description = "Let --output replace an existing file.")
    boolean force;

    @Mixin
    ParameterOptions options;

    private final CliContext context;

    IncomingCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public Integer call() throws Exception {
        MigrationParameters parameters = options.parameters(spec, true, context.err());
        Endpoint endpoint = parseEndpoint(spec, "--listen", listen);
        checkFileParameters(spec, endpoint, parameters);
        ImageOutput imageOutput = null;
        if (output != null) {
            if (!force && java.nio.file.Files.exists(output, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                    && !java.nio.file.Files.isDirectory(output)) {
                throw new ParameterException(spec.commandLine(), "--output " + output + ": the file exists; "
                        + "add --force to replace it");
            }
            try {
                imageOutput = new ImageOutput(output);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--output " + output + ": " + e.getMessage());
            }
        }
        boolean progress = context.progress() && !options.anyJson();
        ProgressBar bar = progress ? new ProgressBar(context.status(), "incoming", parameters.pageSize(),
                context.columns()) : null;
        ProgressListener events = options.jsonProgress
                ? new JsonProgress(context.out(), "destination", parameters.pageSize()) : null;
        MigrationDestination destination = imageOutput == null
                ? new MigrationDestination(parameters)
                : new MigrationDestination(parameters, imageOutput.blockFactory(parameters.prealloc()));
        int code = Main.EXIT_FAILED;
        try (ShutdownGuard guard = new ShutdownGuard(destination::cancel, context.status());
             destination;
             AutoCloseable logs = progress ? context.status().routeLogs() : () -> {}) {
            try {
                Thread announcer = Thread.ofPlatform().daemon(true).name("jmultifd-listening").start(() -> {
                    if (endpoint instanceof Endpoint.File) {
                        context.err().println("restoring from " + endpoint);
                        return;
                    }
                    try {
                        int port = destination.awaitListening();
                        context.status().println("listening on " + withPort(endpoint, port));
                    } catch (InterruptedException | IllegalStateException e) {
                        // not listening: receive() reports why
                    }
                });
                MigrationResult result = destination.receive(endpoint, JsonProgress.both(bar, events));
                announcer.join(1000);
                if (bar != null) {
                    bar.finish();
                }
                Map<String, Long> checksums = null;
                if (result.completed()) {
                    GuestMemory received = destination.received();
                    // A live migration's are the digests both ends verified (after postcopy the guest runs here and
                    // changes its memory: they are what was placed); a restore's take a pass over the memory.
                    checksums = !result.blockChecksums().isEmpty() ? result.blockChecksums() : received.checksums();
                    if (imageOutput != null) {
                        try {
                            for (String written : imageOutput.commit(received)) {
                                context.err().println("wrote " + written);
                            }
                        } catch (RuntimeException e) {
                            context.err().println("jmultifd incoming: error: the migration completed but the image "
                                    + "could not be written: " + Main.describe(e));
                            return code = Main.EXIT_FAILED;
                        }
                    }
                }
                report(result, checksums, parameters);
                return code = result.completed() ? Main.EXIT_OK : Main.EXIT_FAILED;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return code = Main.EXIT_FAILED;
            } finally {
                if (imageOutput != null) {
                    imageOutput.discard(); // no-op after a commit; removes the temporary files otherwise
                }
                context.out().flush();
                context.err().flush();
                guard.finished(code);
            }
        }
    }

    private void report(MigrationResult result, Map<String, Long> checksums, MigrationParameters parameters) {
        if (options.anyJson()) {
            context.out().println(Reports.json(result, parameters, checksums));
        }
        context.err().println(Reports.summary("incoming migration", result, parameters));
    }

    /** A usage error naming the option when the endpoint does not parse. */
    static Endpoint parseEndpoint(CommandSpec spec, String option, String value) {
        Endpoint endpoint;
        try {
            endpoint = Endpoint.parse(value);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), option + " " + value + ": " + e.getMessage());
        }
        if (!(endpoint instanceof Endpoint.Tcp) && !(endpoint instanceof Endpoint.File)) {
            throw new ParameterException(spec.commandLine(), option + " " + value
                    + ": expected tcp:HOST:PORT or file:PATH");
        }
        return endpoint;
    }

    /** A usage error when the endpoint and the file parameters (mapped-ram, direct-io) do not fit together. */
    static void checkFileParameters(CommandSpec spec, Endpoint endpoint, MigrationParameters parameters) {
        String refusal = SnapshotParameters.refusal(endpoint, parameters);
        if (refusal != null) {
            throw new ParameterException(spec.commandLine(), refusal);
        }
    }

    private static String withPort(Endpoint endpoint, int port) {
        if (endpoint instanceof Endpoint.Tcp tcp) {
            return Endpoint.tcp(tcp.host(), port).toString();
        }
        return endpoint.toString();
    }
}
