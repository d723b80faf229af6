package io.jmultifd.cli;

import io.jmultifd.cli.ControlProtocol.BadLine;
import io.jmultifd.cli.ControlProtocol.Reply;
import io.jmultifd.cli.ControlProtocol.Resume;
import java.io.IOException;
import java.net.ConnectException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Set;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;

/** {@code jmultifd migrate --resume}: one request to a running source's {@link ControlSocket}, its one-line reply. */
final class ControlClient {
    /** The reply's bound: the source answers within {@link PostcopyResumer#REPLY_WAIT_MS}, this is a hang guard. */
    static final long REPLY_TIMEOUT_MS = PostcopyResumer.REPLY_WAIT_MS + 30_000;

    private ControlClient() {
    }

    /**
     * {@code jmultifd migrate --resume [--control PATH] [--to URI]}: asks the source, prints its answer in one line
     * (stdout when it resumed, else stderr); exit 0 when it resumed, 1 when not or when no source answered.
     */
    static int resumeCommand(CommandSpec spec, CliContext context, Path controlOrNull, String toOrNull) {
        for (OptionSpec o : spec.commandLine().getParseResult().matchedOptions()) {
            if (!Set.of("--resume", "--control", "--to").contains(o.longestName())) {
                throw new ParameterException(spec.commandLine(), "--resume takes only --control and --to, not "
                        + o.longestName() + " (it asks the running source; the migration's options are its own)");
            }
        }
        Resume request;
        try {
            request = new Resume(toOrNull == null ? null : ControlProtocol.destination(toOrNull));
        } catch (BadLine e) {
            throw new ParameterException(spec.commandLine(), "--to " + toOrNull + ": " + e.getMessage());
        }
        String name = "jmultifd migrate --resume: ";
        try {
            Path socket = controlOrNull != null ? controlOrNull
                    : ControlPaths.findOne(ControlPaths.directory(System.getenv()));
            Reply reply = resume(socket, request);
            (reply.ok() ? context.out() : context.err()).println(name + reply.text());
            return reply.ok() ? Main.EXIT_OK : Main.EXIT_FAILED;
        } catch (IOException e) {
            context.err().println(name + e.getMessage());
            return Main.EXIT_FAILED;
        }
    }

    /** Asks the source at {@code socket} to resume; IOException with a one-line reason when there is no answer. */
    static Reply resume(Path socket, Resume request) throws IOException {
        if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("no such source: " + socket + " does not exist");
        }
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            ByteBuffer line = ByteBuffer.wrap((request.encode() + "\n").getBytes(StandardCharsets.UTF_8));
            IOException unsent = null;
            try {
                while (line.hasRemaining()) {
                    channel.write(line);
                }
            } catch (IOException e) {
                unsent = e; // the source may have answered at once (busy, another user) and closed: read that
            }
            try {
                return Reply.decode(ControlProtocol.readLine(channel, ControlProtocol.MAX_REPLY_BYTES,
                        REPLY_TIMEOUT_MS, "reply"));
            } catch (BadLine | IOException e) {
                if (unsent != null) {
                    throw unsent;
                }
                throw e;
            }
        } catch (ConnectException e) {
            throw new IOException("no such source: nothing listens on " + socket + " (its jmultifd migrate has ended)");
        } catch (BadLine e) {
            throw new IOException(socket + ": " + e.getMessage());
        } catch (IOException e) {
            throw new IOException(socket + ": " + Main.describe(e));
        }
    }
}
