package io.jmultifd.cli;

import io.jmultifd.multifd.guest.AvailableMemory;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Help.Ansi;
import picocli.CommandLine.ParameterException;

/**
 * The {@code jmultifd} command. {@link #run} returns the exit code instead of exiting, so tests run the whole
 * command in-process with captured output: 0 completed, 1 failed or cancelled, 2 usage error.
 */
public final class Main {
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILED = 1;
    public static final int EXIT_USAGE = 2;

    private final CliContext context;

    /** Output to the given streams; no progress bar (as when stderr is not a terminal). */
    public Main(OutputStream out, OutputStream err) {
        this(out, err, false);
    }

    Main(OutputStream out, OutputStream err, boolean progress) {
        this(out, err, progress, AvailableMemory::now);
    }

    /** @param memory the memory a guest may take (tests inject it) */
    Main(OutputStream out, OutputStream err, boolean progress, Supplier<AvailableMemory> memory) {
        this(out, err, progress, () -> Terminal.columns(2), memory);
    }

    /** @param columns the terminal's width (tests fix it) */
    Main(OutputStream out, OutputStream err, boolean progress, IntSupplier columns, Supplier<AvailableMemory> memory) {
        this.context = new CliContext(writer(out), writer(err), progress, columns, memory);
    }

    public static void main(String[] args) {
        // One line per engine log record (e.g. the qpl method's fallback reason), before any logger exists.
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "jmultifd: %4$s: %5$s%6$s%n");
        }
        int code = new Main(System.out, System.err, Terminal.isTerminal(2)).run(args);
        System.exit(code);
    }

    /** Runs the command line and returns its exit code; never calls {@link System#exit}. */
    public int run(String... args) {
        try {
            return commandLine().execute(args);
        } finally {
            context.out().flush();
            context.err().flush();
        }
    }

    CommandLine commandLine() {
        CommandLine cl = new CommandLine(new JmultifdCommand());
        cl.addSubcommand(new MethodsCommand(context));
        cl.addSubcommand(new QplInfoCommand(context));
        cl.addSubcommand(new IncomingCommand(context));
        cl.addSubcommand(new MigrateCommand(context));
        cl.addSubcommand(new DemoCommand(context));
        cl.addSubcommand(new TlsSelfTestCommand(context));
        cl.addSubcommand(new PlotCommand(context));
        for (String name : new String[] {"migrate", "incoming"}) {
            var usage = cl.getSubcommands().get(name).getCommandSpec().usageMessage();
            java.util.List<String> footer = new java.util.ArrayList<>(ParameterOptions.helpFooter());
            footer.addAll(java.util.List.of(usage.footer()));
            usage.footer(footer.toArray(String[]::new));
        }
        cl.setOut(context.out());
        cl.setErr(context.err());
        cl.setColorScheme(CommandLine.Help.defaultColorScheme(context.progress() ? Ansi.AUTO : Ansi.OFF));
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler(Main::usageError);
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            // Commands validate their values (endpoint, --set, --synthetic, images) with ParameterException.
            if (e instanceof ParameterException usage) {
                return usageError(usage, parseResult.originalArgs().toArray(String[]::new));
            }
            commandLine.getErr().println(commandName(commandLine) + ": error: " + describe(e));
            return EXIT_FAILED;
        });
        return cl;
    }

    /** A usage error: one line naming the culprit, a pointer to the help, exit code 2. */
    private static int usageError(ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        PrintWriter err = cl.getErr();
        err.println(commandName(cl) + ": " + e.getMessage());
        CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
        err.println("Try '" + cl.getCommandSpec().qualifiedName() + " --help' for usage.");
        return EXIT_USAGE;
    }

    private static String commandName(CommandLine cl) {
        return cl.getCommandSpec().qualifiedName();
    }

    /** The message of an unexpected exception with its causes, e.g. "x: caused by y". */
    static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (!sb.isEmpty()) {
                sb.append(": caused by ");
            }
            String message = t.getMessage();
            sb.append(message == null || message.isBlank() ? t.getClass().getSimpleName() : message);
            if (t.getCause() == t) {
                break;
            }
        }
        return sb.toString();
    }

    private static PrintWriter writer(OutputStream stream) {
        if (stream instanceof PrintStream ps) {
            return new PrintWriter(ps, true);
        }
        return new PrintWriter(new java.io.OutputStreamWriter(stream, StandardCharsets.UTF_8), true);
    }
}
