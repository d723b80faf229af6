package io.jmultifd.cli;

import io.jmultifd.multifd.Endpoint;
import io.jmultifd.multifd.MigrationFailure;
import io.jmultifd.multifd.MigrationParameters;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * A postcopy migration's resume machinery in {@code jmultifd migrate}: the {@link PostcopyResumer} (the progress
 * listener that makes every resume attempt) and the {@link ControlSocket} that takes {@code --resume} requests for it.
 */
final class PostcopyControl implements AutoCloseable {
    private final PostcopyResumer resumer;
    private final ControlSocket socket;

    private PostcopyControl(PostcopyResumer resumer, ControlSocket socket) {
        this.resumer = resumer;
        this.socket = socket;
    }

    /** {@code --postcopy-auto-resume}, checked with the options it goes with. */
    static boolean autoResume(CommandSpec spec, String value, Path control, MigrationParameters parameters) {
        boolean on = switch (value) {
            case "on" -> true;
            case "off" -> false;
            default -> throw new ParameterException(spec.commandLine(), "--postcopy-auto-resume " + value
                    + ": must be on or off");
        };
        if (!parameters.capabilities().postcopyRam()) {
            if (!on) {
                throw new ParameterException(spec.commandLine(), "--postcopy-auto-resume off needs --set "
                        + "postcopy-ram=on (only a postcopy migration pauses)");
            }
            if (control != null) {
                throw new ParameterException(spec.commandLine(), "--control without --resume needs --set "
                        + "postcopy-ram=on (only a postcopy migration pauses and takes --resume)");
            }
        }
        return on;
    }

    /**
     * Opens the control socket at {@code control} (null: the default path). Where it cannot be opened that is a usage
     * error when it was asked for (--control, or auto-resume off: nothing else could resume the migration); else a
     * warning, and the migration goes on with its own retries only.
     */
    static PostcopyControl open(CommandSpec spec, CliContext context, Path control, boolean auto, Endpoint to,
                                Function<Endpoint, CompletableFuture<Optional<MigrationFailure>>> resume) {
        Path path = control;
        try {
            if (path == null) {
                path = ControlPaths.forThisProcess(ControlPaths.directory(System.getenv()));
            }
            PostcopyResumer resumer = new PostcopyResumer(resume, to, auto, path, context.status());
            return new PostcopyControl(resumer, ControlSocket.open(path, resumer::resume));
        } catch (IOException | RuntimeException e) {
            String why = "control socket" + (path == null ? "" : " " + path) + ": " + Main.describe(e);
            if (control != null || !auto) {
                throw new ParameterException(spec.commandLine(), "--control: " + why);
            }
            context.err().println("jmultifd migrate: warning: no " + why + "; in postcopy-paused only the automatic "
                    + "retries resume");
            return new PostcopyControl(new PostcopyResumer(resume, to, true, null, context.status()), null);
        }
    }

    PostcopyResumer resumer() {
        return resumer;
    }

    @Override
    public void close() {
        resumer.close();
        if (socket != null) {
            socket.close();
        }
    }
}
