package io.jmultifd.cli;

import io.jmultifd.multifd.Endpoint;
import io.jmultifd.multifd.MigrationFailure;
import io.jmultifd.multifd.MigrationParameters;
import io.jmultifd.multifd.MigrationResult;
import io.jmultifd.multifd.MigrationSource;
import io.jmultifd.multifd.ProgressListener;
import io.jmultifd.multifd.guest.AvailableMemory;
import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.SyntheticContent;
import io.jmultifd.multifd.guest.TransparentHugePages;
import io.jmultifd.multifd.guest.Workload;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code jmultifd migrate}: the source; migrates image files or a synthetic guest, optionally while it runs. */
@Command(name = "migrate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Migrate a guest to a destination started with 'jmultifd incoming' (QEMU: migrate).",
                "The guest is either image files (--source: each file one RAM block named after the file) or "
                + "synthetic memory (--synthetic SIZE:MIX). --workload-dirty-rate keeps writing to it while it "
                + "migrates, as a running guest would."},
        footer = {"", "SIZE: bytes with a k/M/G/T suffix (powers of 1024), a multiple of the page size.",
                "MIX: 'mixed' (zero=10,text=30,binary=25,random=15,repeat=20) or KIND=PERCENT,... over the kinds "
                + "zero, text, binary, random, repeat, summing to 100.",
                "", "Exit codes: 0 completed, 1 failed or cancelled, 2 usage error; with --resume: 0 resumed, 1 not."})
final class MigrateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--to", paramLabel = "tcp:HOST:PORT|file:PATH",
            description = "The destination, or file:PATH to save a snapshot there (needs --set mapped-ram=on). "
                    + "Required, except with --resume: there the new destination, if it moved.")
    String to;

    static final class GuestSource {
        @Option(names = "--source", arity = "1..*", paramLabel = "IMAGE",
                description = "Image files, each one RAM block named after the file (size: a page multiple). "
                        + "Mapped, not copied, unless a workload would write to them.")
        List<Path> images;

        @Option(names = "--synthetic", paramLabel = "SIZE:MIX",
                description = "A synthetic guest, e.g. 1G:mixed or 512M:zero=10,text=90; reproducible from --seed.")
        String synthetic;
    }

    @ArgGroup(exclusive = true, multiplicity = "0..1") // one of them is required unless --resume: checked in call()
    GuestSource guestSource;

    @Option(names = "--workload-dirty-rate", paramLabel = "MB/s", defaultValue = "0",
            description = "Keep dirtying guest pages at this rate during the migration (default: ${DEFAULT-VALUE}, "
                    + "no workload).")
    double dirtyRate;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "" + SyntheticContent.DEFAULT_SEED,
            description = "Seed of the synthetic content and of the workload (default: a fixed value).")
    long seed;

    @Option(names = "--start-postcopy", description = "Switch to postcopy after the bulk round (QEMU's "
            + "migrate-start-postcopy; needs --set postcopy-ram=on on both ends). If a connection breaks after the "
            + "switchover, both ends pause (postcopy-paused) and this command reconnects by itself, after 1 s, 2 s, "
            + "4 s ... up to every 30 s, until it resumes (see --postcopy-auto-resume), or when 'jmultifd migrate "
            + "--resume' asks; Ctrl-C gives up and loses the guest.")
    boolean startPostcopy;

    @Option(names = "--postcopy-auto-resume", paramLabel = "on|off", defaultValue = "on",
            description = "In postcopy-paused, reconnect by itself as --start-postcopy says (on, the default), or wait "
                    + "for 'jmultifd migrate --resume' (off). --resume works either way.")
    String autoResume;

    @Option(names = "--control", paramLabel = "PATH",
            description = "The control socket (a Unix domain socket, mode 0600, removed at the end), where a migration "
                    + "with --set postcopy-ram=on takes --resume requests; with --resume, the one to ask. Default: "
                    + "DIR/migrate-PID.sock, DIR being $XDG_RUNTIME_DIR/jmultifd, else /run/jmultifd when writable, "
                    + "else ${java.io.tmpdir}/jmultifd-USER; --resume without it asks the one source running there.")
    Path control;

    @Option(names = {"--resume", "-r"},
            description = "Ask the running source (another 'jmultifd migrate', postcopy-paused) to resume now, to "
                    + "--to if given (QEMU: migrate -r), over its control socket; prints the outcome in one line, "
                    + "exit 0 when it resumed, 1 when not. Takes only --control and --to.")
    boolean resume;

    @Mixin
    ParameterOptions options;

    private final CliContext context;

    MigrateCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public Integer call() throws Exception {
        if (resume) {
            return ControlClient.resumeCommand(spec, context, control, to);
        }
        if (to == null) {
            throw new ParameterException(spec.commandLine(), "Missing required option: '--to=tcp:HOST:PORT|file:PATH'");
        }
        if (guestSource == null) {
            throw new ParameterException(spec.commandLine(), "Missing required argument (specify one of these): "
                    + "--source=IMAGE... | --synthetic=SIZE:MIX");
        }
        MigrationParameters parameters = options.parameters(spec, false, context.err());
        Endpoint endpoint = IncomingCommand.parseEndpoint(spec, "--to", to);
        if (endpoint instanceof Endpoint.Tcp tcp && tcp.port() == 0) {
            throw new ParameterException(spec.commandLine(), "--to " + to + ": port 0 is no destination; give the "
                    + "port that 'jmultifd incoming' printed ('listening on tcp:HOST:PORT')");
        }
        IncomingCommand.checkFileParameters(spec, endpoint, parameters);
        if (!(dirtyRate >= 0) || Double.isInfinite(dirtyRate)) {
            throw new ParameterException(spec.commandLine(), "--workload-dirty-rate " + dirtyRate
                    + ": must be a number of MB/s >= 0");
        }
        if (startPostcopy && !parameters.capabilities().postcopyRam()) {
            throw new ParameterException(spec.commandLine(), "--start-postcopy needs --set postcopy-ram=on");
        }
        boolean autoResumeOn = PostcopyControl.autoResume(spec, autoResume, control, parameters);
        boolean withWorkload = dirtyRate > 0;
        // Validate everything first (usage errors), build the guest under the guard: filling a large synthetic
        // guest takes a while, and Ctrl-C meanwhile must end the command as cancelled, not kill it.
        AvailableMemory available = context.memory().get();
        SyntheticContent.Spec synthetic = guestSource.synthetic == null ? null
                : Guests.parseSynthetic(spec, guestSource.synthetic, parameters.pageSize());
        if (synthetic != null) {
            Guests.requireMemory(spec, "--synthetic " + guestSource.synthetic + ": the guest needs ", synthetic.size(),
                    available);
        }
        GuestMemory images = synthetic != null ? null
                : Guests.images(spec, guestSource.images, parameters.pageSize(), withWorkload, available,
                        TransparentHugePages.of(parameters.guestHugePages()));
        AtomicReference<MigrationSource> running = new AtomicReference<>();
        int code = Main.EXIT_FAILED;
        PostcopyControl postcopyControl;
        try { // only a postcopy migration can pause; its control socket takes --resume from the start on
            postcopyControl = !parameters.capabilities().postcopyRam() || !(endpoint instanceof Endpoint.Tcp) ? null
                    : PostcopyControl.open(spec, context, control, autoResumeOn, endpoint, e -> running.get().resume(e));
        } catch (RuntimeException e) {
            if (images != null) {
                images.close();
            }
            throw e;
        }
        try (postcopyControl; ShutdownGuard guard = new ShutdownGuard(() -> {
            MigrationSource source = running.get();
            if (source != null) {
                source.cancel();
            }
        }, context.status())) {
            boolean progress = context.progress() && !options.anyJson();
            if (progress && synthetic != null) {
                // Filling a large guest takes seconds: say so, rather than sit silent before the first bar.
                context.status().println("migrate: building the " + Reports.bytes(synthetic.size())
                        + " synthetic guest (" + guestSource.synthetic + ")...");
            }
            try (GuestMemory guest = images != null ? images : Guests.synthetic(synthetic, parameters.pageSize(), seed,
                    TransparentHugePages.of(parameters.guestHugePages()));
                 Workload workload = withWorkload ? new Workload(guest, dirtyRate, seed) : null) {
                MigrationResult result;
                if (guard.signalled()) {
                    result = Reports.notStarted(parameters,
                            MigrationFailure.cancelled(MigrationFailure.Side.SOURCE, "cancelled before it started"));
                } else {
                    MigrationSource source = new MigrationSource(guest, workload, parameters);
                    if (startPostcopy) {
                        source.startPostcopy();
                    }
                    running.set(source);
                    if (workload != null) {
                        workload.start();
                    }
                    ProgressBar bar = progress ? new ProgressBar(context.status(), "migrate", parameters.pageSize(),
                            context.columns()) : null;
                    ProgressListener events = options.jsonProgress
                            ? new JsonProgress(context.out(), "source", parameters.pageSize()) : null;
                    try (AutoCloseable logs = progress ? context.status().routeLogs() : () -> {}) {
                        result = source.migrate(endpoint, JsonProgress.both(
                                // first: a --resume that saw a phase on stdout finds the resumer in it
                                postcopyControl == null ? null : postcopyControl.resumer(),
                                JsonProgress.both(bar, events)));
                    } finally {
                        if (bar != null) {
                            bar.finish();
                        }
                    }
                }
                // A live migration's are the digests both ends verified; a snapshot's take a pass over the guest
                // (after COMPLETED the engine leaves the workload paused: these are the saved contents; with hints
                // the free pages are zero in the file).
                Map<String, Long> checksums = !result.completed() ? null
                        : !result.blockChecksums().isEmpty() ? result.blockChecksums()
                        : parameters.freePageHint() ? guest.checksumsFreeAsZero() : guest.checksums();
                if (options.anyJson()) {
                    context.out().println(Reports.json(result, parameters, checksums));
                }
                context.err().println(Reports.summary("migration", result, parameters));
                code = result.completed() ? Main.EXIT_OK : Main.EXIT_FAILED;
                return code;
            } finally {
                context.out().flush();
                context.err().flush();
                if (postcopyControl != null) {
                    postcopyControl.close(); // before a Ctrl-C's hook may halt the JVM: the socket file goes
                }
                guard.finished(code);
            }
        }
    }
}
