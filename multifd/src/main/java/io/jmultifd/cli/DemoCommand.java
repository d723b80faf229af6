package io.jmultifd.cli;

import io.jmultifd.multifd.Endpoint;
import io.jmultifd.multifd.MigrationDestination;
import io.jmultifd.multifd.MigrationFailure;
import io.jmultifd.multifd.MigrationParameters;
import io.jmultifd.multifd.MigrationResult;
import io.jmultifd.multifd.MigrationSource;
import io.jmultifd.multifd.ProgressListener;
import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.RamBlock;
import io.jmultifd.multifd.guest.SyntheticContent;
import io.jmultifd.multifd.guest.TransparentHugePages;
import io.jmultifd.multifd.guest.Workload;
import io.jmultifd.spi.CompressionMethod;
import io.jmultifd.spi.CompressionMethods;
import io.jmultifd.spi.MethodUnavailableException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code jmultifd demo}: both ends in this JVM over loopback TCP, one migration per method of a live synthetic
 * guest, then a QEMU-style table to compare them.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Migrate a live synthetic guest over loopback TCP (both ends in this process), once per "
                + "compression method, and print a comparison table.",
                "ratio = normal page bytes / compressed payload bytes; 'pages per tier': for qpl which tier "
                + "(hardware, software, java) compressed the pages, raw = pages sent uncompressed because they "
                + "did not shrink, then the tier used (the java tier in capitals, with the reason); for other "
                + "methods their own page counters."},
        footer = {"", "Exit codes: 0 every migration completed, 1 one failed, 2 usage error."})
final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--size", paramLabel = "SIZE", defaultValue = "256M",
            description = "Guest size (k/M/G/T suffix, a page multiple; default: ${DEFAULT-VALUE}).")
    String size;

    @Option(names = "--mix", paramLabel = "MIX", defaultValue = "mixed",
            description = "Page mix of the synthetic guest (default: ${DEFAULT-VALUE}; see migrate --help).")
    String mix;

    @Option(names = "--channels", paramLabel = "N", defaultValue = "4",
            description = "multifd-channels for every run (default: ${DEFAULT-VALUE}).")
    int channels;

    @Option(names = "--methods", paramLabel = "a,b,...", split = ",",
            description = "Methods to run, in this order (default: every method on the class path).")
    List<String> methods;

    @Option(names = "--workload-dirty-rate", paramLabel = "MB/s", defaultValue = "32",
            description = "How fast the guest keeps writing while it migrates (default: ${DEFAULT-VALUE}; 0: idle).")
    double dirtyRate;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "" + SyntheticContent.DEFAULT_SEED,
            description = "Seed of the guest content and the workload (the same for every method).")
    long seed;

    @Option(names = "--free", paramLabel = "PERCENT",
            description = "Give the guest this share of free memory (a free list its workload allocates from, "
                    + "reported as free-page hints) and run every method twice, with free-page-hint=on and off, "
                    + "side by side.")
    Integer free;

    @Option(names = "--set", paramLabel = "NAME=VALUE",
            description = "An extra migration parameter for every run, e.g. downtime-limit=100. Repeatable.")
    Map<String, String> set = new LinkedHashMap<>();

    @Option(names = "--json", description = "Print the results as a JSON array (one MigrationResult each) "
            + "instead of the table.")
    boolean json;

    private final CliContext context;
    private final AtomicReference<Runnable> cancelCurrent = new AtomicReference<>(() -> {});
    private volatile boolean cancelled;

    DemoCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public Integer call() throws Exception {
        List<String> names = methods == null || methods.isEmpty()
                ? CompressionMethods.all().stream().map(CompressionMethod::name).toList()
                : methods;
        // Validate everything before the first migration: a typo must not cost a whole run.
        List<MigrationParameters> runs = new ArrayList<>();
        for (String name : names) {
            for (String hint : free == null ? List.of("") : List.of("on", "off")) {
                Map<String, String> p = new LinkedHashMap<>(set);
                p.put(MigrationParameters.CHANNELS, Integer.toString(channels));
                p.put(MigrationParameters.COMPRESSION, name.trim());
                if (!hint.isEmpty()) {
                    p.put(MigrationParameters.FREE_PAGE_HINT, hint);
                }
                try {
                    MigrationParameters run = MigrationParameters.from(p);
                    // A pinned tier this host lacks (qpl-path=software without libqpl) fails here, once, not per run.
                    run.method().checkUsable(run.methodParameters());
                    runs.add(run);
                } catch (MethodUnavailableException e) {
                    throw new ParameterException(spec.commandLine(), "--set: " + e.getMessage());
                } catch (IllegalArgumentException e) {
                    // Name the demo's own option when the value came from it, else the --set that did.
                    String message = e.getMessage() == null ? e.toString() : e.getMessage();
                    String option = message.startsWith(MigrationParameters.COMPRESSION + "=") ? "--methods"
                            : message.startsWith(MigrationParameters.CHANNELS + "=") ? "--channels" : "--set";
                    throw new ParameterException(spec.commandLine(), option + ": " + message);
                }
            }
        }
        int pageSize = runs.isEmpty() ? 4096 : runs.getFirst().pageSize();
        if (free != null && (free < 0 || free > 100)) {
            throw new ParameterException(spec.commandLine(), "--free " + free + ": a percentage must be between 0 and 100");
        }
        SyntheticContent.Spec guestSpec = Guests.parseSynthetic(spec,
                size + ":" + mix + (free == null ? "" : ",free=" + free), pageSize);
        // Both ends live in this process: the source's guest and, at most, as much received memory.
        long bothGuests = guestSpec.size() > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : 2 * guestSpec.size();
        Guests.requireMemory(spec, "--size " + size + ": the source and destination guests need ", bothGuests,
                context.memory().get());
        if (!(dirtyRate >= 0) || Double.isInfinite(dirtyRate)) {
            throw new ParameterException(spec.commandLine(), "--workload-dirty-rate " + dirtyRate
                    + ": must be a number of MB/s >= 0");
        }
        if (runs.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "no compression method on the class path");
        }

        context.err().printf(Locale.ROOT, "demo: %s guest (%s), %d channels, workload %s MB/s, %d method(s): %s%n",
                Reports.bytes(guestSpec.size()), guestSpec.mix(), channels, fmt(dirtyRate), runs.size(),
                String.join(", ", runs.stream().map(MigrationParameters::methodName).toList()));
        List<MigrationResult> results = new ArrayList<>();
        int code = Main.EXIT_FAILED;
        try (ShutdownGuard guard = new ShutdownGuard(() -> {
            cancelled = true;
            cancelCurrent.get().run();
        }, context.status())) {
            try {
                for (MigrationParameters parameters : runs) {
                    if (cancelled) {
                        break;
                    }
                    results.add(runOne(parameters, guestSpec));
                }
                print(runs, results, pageSize);
                code = results.size() == runs.size() && results.stream().allMatch(MigrationResult::completed)
                        ? Main.EXIT_OK : Main.EXIT_FAILED;
                return code;
            } finally {
                context.out().flush();
                context.err().flush();
                guard.finished(code);
            }
        }
    }

    private MigrationResult runOne(MigrationParameters parameters, SyntheticContent.Spec guestSpec) throws Exception {
        int pageSize = parameters.pageSize();
        RamBlock block = Guests.anonymous(Guests.SYNTHETIC_BLOCK, guestSpec.size(), pageSize,
                TransparentHugePages.of(parameters.guestHugePages()), "the guest");
        try (GuestMemory guest = Guests.withFreeList(GuestMemory.of(block), guestSpec, seed);
             Workload workload = dirtyRate > 0 ? new Workload(guest, dirtyRate, seed) : null;
             MigrationDestination destination = new MigrationDestination(parameters)) {
            SyntheticContent.fill(block.memory(), pageSize, guestSpec.mix(), seed);
            MigrationSource source = new MigrationSource(guest, workload, parameters);
            cancelCurrent.set(() -> {
                source.cancel();
                destination.cancel();
            });
            AtomicReference<MigrationResult> received = new AtomicReference<>();
            Thread receiver = Thread.ofPlatform().name("jmultifd-demo-incoming").start(
                    () -> received.set(destination.receive(Endpoint.tcp("127.0.0.1", 0), ProgressListener.NONE)));
            MigrationResult result;
            try {
                int port = destination.awaitListening();
                if (workload != null) {
                    workload.start();
                }
                ProgressBar bar = context.progress() && !json ? new ProgressBar(context.status(),
                        parameters.methodName(), pageSize, context.columns()) : null;
                try (AutoCloseable logs = bar != null ? context.status().routeLogs() : () -> {}) {
                    result = source.migrate(Endpoint.tcp("127.0.0.1", port), bar == null ? ProgressListener.NONE : bar);
                } finally {
                    if (bar != null) {
                        bar.finish();
                    }
                }
            } catch (IllegalStateException e) {
                result = failed(parameters, MigrationFailure.Cause.CONNECTION,
                        "the destination did not listen: " + e.getMessage());
            } finally {
                if (received.get() == null && !receiver.join(java.time.Duration.ofMillis(parameters.peerTimeoutMs() + 5000))) {
                    destination.cancel();
                }
                receiver.join();
            }
            MigrationResult incoming = received.get();
            if (result.completed() && (incoming == null || !incoming.completed())) {
                result = failed(parameters, MigrationFailure.Cause.PEER, "the source completed but the destination says: "
                        + (incoming == null ? "nothing" : incoming.status() + " " + incoming.error()));
            }
            context.err().println(Reports.summary("demo " + parameters.methodName() + ":", result, parameters));
            return result;
        } finally {
            cancelCurrent.set(() -> {});
        }
    }

    /** The demo's own verdict on a run: the destination's side of it went wrong. */
    private static MigrationResult failed(MigrationParameters p, MigrationFailure.Cause cause, String error) {
        return Reports.notStarted(p, MigrationFailure.failed(MigrationFailure.Side.DESTINATION, cause, error));
    }

    private void print(List<MigrationParameters> runs, List<MigrationResult> results, int pageSize) {
        PrintWriter out = context.out();
        if (json) {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < results.size(); i++) {
                sb.append(sb.length() > 1 ? ",\n " : "").append(Reports.json(results.get(i), runs.get(i), null));
            }
            out.println(sb.append(']'));
            return;
        }
        List<String[]> rows = new ArrayList<>();
        boolean hints = free != null; // hints on and off side by side: two more columns
        rows.add(withHints(hints, new String[] {"method", "status", "total ms", "downtime ms", "Mbit/s", "pages/s",
            "transferred", "zero pages", "ratio", "checksum", "pages per tier"}, "hints", "free pages"));
        for (int i = 0; i < results.size(); i++) {
            MigrationResult r = results.get(i);
            String tier = TierNote.of(runs.get(i), r.multifd().methodStatistics());
            rows.add(withHints(hints, new String[] {
                r.multifd().method(),
                r.status().name().toLowerCase(Locale.ROOT),
                Long.toString(r.times().totalMs()),
                Long.toString(r.times().downtimeMs()),
                String.format(Locale.ROOT, "%.1f", r.ram().mbps()),
                String.format(Locale.ROOT, "%.0f", r.ram().pagesPerSecond()),
                Reports.bytes(r.ram().transferredBytes()),
                Long.toString(r.ram().zeroPages()),
                Double.isNaN(Reports.ratio(r, pageSize)) ? "-" : String.format(Locale.ROOT, "%.2f", Reports.ratio(r, pageSize)),
                r.completed() ? (r.checksumMatch() ? "match" : "DIFFER") : "-",
                methodPages(r.multifd().methodStatistics()) + (tier.isEmpty() ? "" : "  " + tier)},
                runs.get(i).freePageHint() ? "on" : "off", Long.toString(r.freePages().skippedPages())));
        }
        int[] widths = new int[rows.getFirst().length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        for (int rowIndex = 0; rowIndex < rows.size(); rowIndex++) {
            String[] row = rows.get(rowIndex);
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                boolean left = LEFT_ALIGNED.contains(rows.getFirst()[i]);
                String cell = left ? MethodsCommand.pad(row[i], widths[i])
                        : " ".repeat(widths[i] - row[i].length()) + row[i];
                line.append(i == 0 ? "" : "  ").append(cell);
            }
            out.println(line.toString().stripTrailing());
            if (rowIndex == 0) {
                out.println("-".repeat(line.toString().stripTrailing().length()));
            }
        }
        for (MigrationResult r : results) {
            if (!r.completed()) {
                out.println(r.multifd().method() + ": " + r.status().name().toLowerCase(Locale.ROOT) + ": " + r.error());
            }
        }
        if (results.size() < runs.size()) {
            out.println("(cancelled after " + results.size() + " of " + runs.size() + " methods)");
        }
    }

    private static final java.util.Set<String> LEFT_ALIGNED =
            java.util.Set.of("method", "hints", "status", "checksum", "pages per tier");

    /** The row with the hint columns: {@code hint} after the method, {@code freePages} after the zero pages. */
    private static String[] withHints(boolean hints, String[] row, String hint, String freePages) {
        if (!hints) {
            return row;
        }
        List<String> cells = new ArrayList<>(List.of(row));
        cells.add(8, freePages);
        cells.add(1, hint);
        return cells.toArray(String[]::new);
    }

    private static final List<String> TIERS = List.of("hardware", "software", "java");

    /**
     * Which tier handled the pages, e.g. "hardware=0 software=51234 java=0 (raw 12)" for qpl's pages_hardware,
     * pages_software, pages_java and pages_raw: every tier of a tiered method is shown, zero or not, so that a
     * fallback is visible. Raw pages (sent uncompressed because they did not shrink) are a subset of the tiers'.
     * Other methods show their own non-zero page counters, e.g. "raw=60249" for none.
     */
    static String methodPages(Map<String, Long> statistics) {
        StringBuilder sb = new StringBuilder();
        boolean tiered = TIERS.stream().anyMatch(t -> statistics.containsKey("pages_" + t));
        if (tiered) {
            for (String tier : TIERS) {
                sb.append(sb.isEmpty() ? "" : " ").append(tier).append('=')
                  .append(statistics.getOrDefault("pages_" + tier, 0L));
            }
            long raw = statistics.getOrDefault("pages_raw", 0L);
            if (raw != 0) {
                sb.append(" (raw ").append(raw).append(')');
            }
            return sb.toString();
        }
        statistics.forEach((k, v) -> {
            if (k.startsWith("pages_") && v != null && v != 0) {
                sb.append(sb.isEmpty() ? "" : " ").append(k.substring("pages_".length())).append('=').append(v);
            }
        });
        return sb.isEmpty() ? "-" : sb.toString();
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
