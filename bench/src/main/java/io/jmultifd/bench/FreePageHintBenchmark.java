package io.jmultifd.bench;

import io.jmultifd.multifd.Endpoint;
import io.jmultifd.multifd.MigrationDestination;
import io.jmultifd.multifd.MigrationParameters;
import io.jmultifd.multifd.MigrationResult;
import io.jmultifd.multifd.MigrationSource;
import io.jmultifd.multifd.ProgressListener;
import io.jmultifd.multifd.guest.AvailableMemory;
import io.jmultifd.multifd.guest.FreeList;
import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.RamBlock;
import io.jmultifd.multifd.guest.SyntheticContent;
import io.jmultifd.multifd.guest.Workload;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The free-page hint benchmark of issue 15 ({@code bench/run-bench.sh --hints}): an idle guest of {@code --size}
 * with 75 % free memory and the same guest with a running workload, each migrated with {@code free-page-hint=on}
 * and {@code off}, over loopback TCP with both ends in this JVM. The guests are exactly those of
 * {@code jmultifd migrate --synthetic SIZE:mixed,free=75} (the CLI's default seed). Hints on and off alternate,
 * their order swapped every repetition, since the load of a shared machine drifts. Also measured, for context: a
 * guest holding only the used memory (a quarter of the size, nothing free), the pages that must be sent either way.
 */
final class FreePageHintBenchmark implements AutoCloseable {
    /** The share of free memory. */
    static final int FREE_PERCENT = 75;

    /** What to run. {@code dirtyRateMBps} is the busy guest's workload. */
    record Settings(long size, int repetitions, List<String> methods, List<Integer> channels, double dirtyRateMBps) {}

    private final ExecutorService destinationThread = Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().name("bench-destination").daemon(true).unstarted(r));
    private final List<String> failures;

    FreePageHintBenchmark(List<String> failures) {
        this.failures = failures;
    }

    /** Bytes the run needs at once: the source guest and a destination that receives all of it (hints off). */
    static long memoryNeeded(long size) {
        return 2 * size;
    }

    /** Runs every configuration; one entry per method and channel count, as {@link FreePageHintReport} reads it. */
    List<Map<String, Object>> run(Settings s) throws Exception {
        AvailableMemory available = AvailableMemory.now();
        if (memoryNeeded(s.size()) > available.bytes()) {
            failures.add("free-page hints: a guest of " + s.size() + " bytes needs " + memoryNeeded(s.size())
                    + " bytes (source and destination); this machine has " + available.bytes() + " available ("
                    + available.source() + ")");
            return List.of();
        }
        List<Map<String, Object>> configs = new ArrayList<>();
        for (String method : s.methods()) {
            for (int channels : s.channels()) {
                configs.add(runConfig(s, method, channels));
            }
        }
        return configs;
    }

    private Map<String, Object> runConfig(Settings s, String method, int channels) throws Exception {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("method", method);
        config.put("channels", channels);
        Map<Boolean, List<Migrations.Run>> idle = runs();
        long started = System.nanoTime();
        try (GuestMemory guest = guest(s.size(), FREE_PERCENT)) {
            System.out.printf(Locale.ROOT, "  idle guest built in %d ms (not part of any migration)%n", millisSince(started));
            // One unrecorded migration of this guest each way first: the JIT compiles the page path, as in a
            // long-running source, and the first migration of a guest this large pays its one-time costs (the first
            // recorded repetition was the slowest of both settings in two 4G runs with a 256M warm-up guest).
            for (boolean hints : List.of(true, false)) {
                clearHints(guest);
                Migrations.Run r = migrate(guest, null, parameters(method, channels, hints));
                Map<String, Double> d = Report.derive(r);
                System.out.printf(Locale.ROOT, "  warm-up, hints %s (not recorded): %s, total %.0f ms%n", onOff(hints),
                        r.source().get("status"), d.get("total_time_ms"));
                check("warm-up hints " + onOff(hints), r);
            }
            for (int rep = 0; rep < s.repetitions(); rep++) {
                for (boolean hints : order(rep)) {
                    clearHints(guest);
                    record("idle", hints, rep, idle, migrate(guest, null, parameters(method, channels, hints)));
                }
            }
        }
        config.put("idle", onOff(idle));

        // Context: the used memory alone, a guest of that size with nothing free (the pages sent either way).
        long usedSize = s.size() * (100 - FREE_PERCENT) / 100 / BenchPages.PAGE * BenchPages.PAGE;
        List<Migrations.Run> alone = new ArrayList<>();
        try (GuestMemory guest = guest(usedSize, 0)) {
            for (int rep = 0; rep < s.repetitions(); rep++) {
                Migrations.Run r = migrate(guest, null, parameters(method, channels, false));
                print("used memory alone (" + usedSize + " bytes)", false, rep, r);
                check("used memory alone rep " + (rep + 1), r);
                alone.add(r);
            }
        }
        Map<String, Object> aloneSummary = summary(alone);
        aloneSummary.put("size", usedSize);
        config.put("used_alone", aloneSummary);

        // The busy guest changes while it runs, so every run gets a fresh one: same seed, same contents.
        Map<Boolean, List<Migrations.Run>> busy = runs();
        for (int rep = 0; rep < s.repetitions(); rep++) {
            for (boolean hints : order(rep)) {
                started = System.nanoTime();
                try (GuestMemory guest = guest(s.size(), FREE_PERCENT);
                     Workload workload = new Workload(guest, s.dirtyRateMBps(), 42 + rep)) {
                    System.out.printf(Locale.ROOT, "  busy guest built in %d ms (not part of the migration)%n",
                            millisSince(started));
                    workload.start();
                    record("busy", hints, rep, busy, migrate(guest, workload, parameters(method, channels, hints)));
                }
            }
        }
        config.put("busy", onOff(busy));
        return config;
    }

    /** Every run starts from a guest that has hinted nothing yet. */
    private static void clearHints(GuestMemory guest) {
        for (RamBlock b : guest.blocks()) {
            b.free().clearAll();
        }
    }

    /** Hints on first in even repetitions, off first in odd ones. */
    private static List<Boolean> order(int rep) {
        return rep % 2 == 0 ? List.of(true, false) : List.of(false, true);
    }

    private static Map<Boolean, List<Migrations.Run>> runs() {
        Map<Boolean, List<Migrations.Run>> m = new LinkedHashMap<>();
        m.put(true, new ArrayList<>());
        m.put(false, new ArrayList<>());
        return m;
    }

    private void record(String guest, boolean hints, int rep, Map<Boolean, List<Migrations.Run>> into, Migrations.Run r) {
        print(guest, hints, rep, r);
        check(guest + " hints " + onOff(hints) + " rep " + (rep + 1), r);
        into.get(hints).add(r);
    }

    private static void print(String guest, boolean hints, int rep, Migrations.Run r) {
        Map<String, Double> d = Report.derive(r);
        System.out.printf(Locale.ROOT, "  %-8s hints %-3s rep %d: %s, total %.0f ms, downtime %.0f ms, %.0f bytes, %.0f free pages skipped%n",
                guest, onOff(hints), rep + 1, r.source().get("status"), d.get("total_time_ms"), d.get("downtime_ms"),
                d.get("transferred_bytes"), freePagesSkipped(r));
    }

    private void check(String what, Migrations.Run r) {
        String broken = Harness.brokenRun(r);
        if (broken != null) {
            failures.add("free-page hints, " + what + ": " + broken);
        }
    }

    private static Map<String, Object> onOff(Map<Boolean, List<Migrations.Run>> runs) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("on", summary(runs.get(true)));
        m.put("off", summary(runs.get(false)));
        return m;
    }

    static String onOff(boolean hints) {
        return hints ? "on" : "off";
    }

    /** The medians of the completed runs (total time, downtime, bytes, free pages skipped) and every run. */
    static Map<String, Object> summary(List<Migrations.Run> runs) {
        List<Map<String, Double>> figures = new ArrayList<>();
        List<Map<String, Object>> raw = new ArrayList<>();
        for (Migrations.Run r : runs) {
            raw.add(Map.of("source", r.source(), "destination", r.destination()));
            if (Harness.brokenRun(r) != null) continue;
            Map<String, Double> d = Report.derive(r);
            Map<String, Double> f = new LinkedHashMap<>();
            f.put("total_time_ms", d.get("total_time_ms"));
            f.put("downtime_ms", d.get("downtime_ms"));
            f.put("transferred_bytes", d.get("transferred_bytes"));
            f.put("free_pages_skipped", freePagesSkipped(r));
            // CPU time (user and system) of each side's engine threads: the figure other load disturbs least.
            f.put("cpu_source_ms", number(r.source(), "jmultifd.cpu-time"));
            f.put("cpu_destination_ms", number(r.destination(), "jmultifd.cpu-time"));
            figures.add(f);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("completed_runs", figures.size());
        Map<String, Double> median = new LinkedHashMap<>();
        if (!figures.isEmpty()) {
            for (String key : figures.getFirst().keySet()) {
                median.put(key, Report.median(figures.stream().map(f -> f.get(key)).toList()));
            }
        }
        m.put("median", median);
        m.put("total_times_ms", figures.stream().map(f -> f.get("total_time_ms")).toList());
        m.put("runs", raw);
        return m;
    }

    private static double freePagesSkipped(Migrations.Run r) {
        return number(r.source(), "jmultifd.free-pages-skipped");
    }

    /** A number of an engine report (QEMU's query-migrate shape) by its dotted path; 0 when absent. */
    private static double number(Map<String, Object> report, String path) {
        return Report.field(report, path) instanceof Number n ? n.doubleValue() : 0;
    }

    private static MigrationParameters parameters(String method, int channels, boolean hints) {
        Map<String, String> p = MethodVariant.of(method).migrationParameters(channels);
        p.put("free-page-hint", onOff(hints));
        // As in the matrix: a slow configuration throttles the busy guest rather than failing to converge.
        p.put("force-converge", "true");
        return MigrationParameters.from(p);
    }

    /**
     * The guest of {@code jmultifd migrate --synthetic SIZE:mixed,free=PERCENT} (no free list when 0): built
     * before, and not part of, any migration's time.
     */
    static GuestMemory guest(long size, int freePercent) {
        RamBlock block = RamBlock.anonymous("synthetic", size, BenchPages.PAGE);
        try {
            SyntheticContent.fill(block.memory(), BenchPages.PAGE, SyntheticContent.Mix.MIXED, SyntheticContent.DEFAULT_SEED);
            GuestMemory guest = GuestMemory.of(block);
            if (freePercent > 0) {
                FreeList.create(guest, freePercent, SyntheticContent.DEFAULT_SEED);
            }
            return guest;
        } catch (RuntimeException | Error e) {
            block.close();
            throw e;
        }
    }

    /** One migration of {@code guest} to a destination on this JVM's loopback; both sides' reports. */
    private Migrations.Run migrate(GuestMemory guest, Workload workload, MigrationParameters p) throws Exception {
        try (MigrationDestination destination = new MigrationDestination(p)) {
            Future<MigrationResult> received = destinationThread.submit(
                    () -> destination.receive(Endpoint.parse("tcp:127.0.0.1:0"), ProgressListener.NONE));
            int port = destination.awaitListening();
            MigrationResult sent = new MigrationSource(guest, workload, p)
                    .migrate(Endpoint.parse("tcp:127.0.0.1:" + port), ProgressListener.NONE);
            MigrationResult got;
            try {
                got = received.get(2, TimeUnit.MINUTES);
            } catch (java.util.concurrent.TimeoutException e) {
                destination.cancel();
                got = received.get(30, TimeUnit.SECONDS);
            }
            return new Migrations.Run(new LinkedHashMap<>(sent.toMap()), new LinkedHashMap<>(got.toMap()));
        }
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }

    @Override
    public void close() {
        destinationThread.shutdownNow();
    }
}
