package io.jmultifd.bench;

import io.jmultifd.multifd.Endpoint;
import io.jmultifd.multifd.MigrationDestination;
import io.jmultifd.multifd.MigrationParameters;
import io.jmultifd.multifd.MigrationResult;
import io.jmultifd.multifd.MigrationSource;
import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.RamBlock;
import io.jmultifd.multifd.guest.SyntheticContent;
import io.jmultifd.multifd.guest.Workload;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The postcopy benchmark of issue 14, not a test: a guest whose workload dirties faster than {@code max-bandwidth}
 * (1 Gbit/s by default) over loopback TCP, both ends in this JVM. Precopy does not converge (it gives up after
 * {@code convergence-timeout}); with {@code postcopy-ram=on} the same migration switches by itself and completes.
 * Then the page-request latency (fault to wake, p50/p99/max) with and without the preempt channel, switching
 * after the bulk round while the background stream saturates the cap. Prints a markdown section.
 *
 * <pre>java --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar io.jmultifd.bench.PostcopyBenchmark
 *     [--size 512M] [--bandwidth 125000000] [--dirty-rate 250] [--convergence-timeout 20000] [--repetitions 3]</pre>
 */
public final class PostcopyBenchmark {
    private final ExecutorService destinationThread = Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().name("bench-destination").daemon(true).unstarted(r));

    static final MarkedSection SECTION = new MarkedSection("<!-- bench:postcopy:begin", "<!-- bench:postcopy:end -->");

    /** The postcopy section of docs/benchmarks.md as it stands (a full run regenerating the page keeps it). */
    static String kept(Path page) throws java.io.IOException {
        String section = SECTION.in(page);
        return section.isEmpty() ? "" : section + "\n\n";
    }

    record Outcome(MigrationResult source, MigrationResult destination) {}

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new LinkedHashMap<>(Map.of("--size", "512M", "--bandwidth", "125000000",
                "--dirty-rate", "250", "--convergence-timeout", "20000", "--repetitions", "3"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!a.containsKey(args[i])) {
                System.err.println("unknown option " + args[i] + "; known: " + a.keySet());
                System.exit(2);
            }
            a.put(args[i], args[i + 1]);
        }
        long size = io.jmultifd.multifd.guest.Sizes.parse(a.get("--size"));
        String load = Files.readString(Path.of("/proc/loadavg")).strip();
        PostcopyBenchmark b = new PostcopyBenchmark();
        StringBuilder md = new StringBuilder();
        md.append("Measured by `java --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar "
                + "io.jmultifd.bench.PostcopyBenchmark ").append(String.join(" ", args)).append("` on ")
                .append(Instant.now()).append(": ").append(Runtime.getRuntime().availableProcessors())
                .append(" cores, Linux ").append(System.getProperty("os.version")).append(", ")
                .append(System.getProperty("java.vm.version")).append("; load average at start ").append(load)
                .append(".\n\n");
        String bw = a.get("--bandwidth");
        String dirty = a.get("--dirty-rate");
        String conv = a.get("--convergence-timeout");
        md.append(String.format(Locale.ROOT, "A %s guest (`--synthetic %s:mixed`), a workload dirtying %s MB/s, "
                + "`max-bandwidth=%s` (bytes/s), 2 channels, `none`, loopback TCP, both ends in one JVM.%n%n",
                a.get("--size"), a.get("--size"), dirty, bw));
        md.append("| migration | status | total time (ms) | dirtied MB/s (last round) | postcopy time (ms) | page requests "
                + "| p50 (us) | p99 (us) | max (us) | blocktime (ms) | preempt pages |\n"
                + "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        row(md, "precopy, convergence-timeout " + conv, b.migrate(size, Double.parseDouble(dirty),
                "postcopy-ram", "off", "max-bandwidth", bw, "convergence-timeout", conv));
        row(md, "postcopy-ram=on, preempt on, switched by the policy", b.migrate(size, Double.parseDouble(dirty),
                "postcopy-ram", "on", "postcopy-preempt", "on", "max-bandwidth", bw, "convergence-timeout", conv));
        int reps = Integer.parseInt(a.get("--repetitions"));
        for (int rep = 0; rep < reps; rep++) {
            for (String preempt : rep % 2 == 0 ? List.of("on", "off") : List.of("off", "on")) {
                row(md, "--start-postcopy, preempt " + preempt + ", repetition " + (rep + 1),
                        b.migrate(size, Double.parseDouble(dirty), true, "postcopy-ram", "on", "postcopy-preempt",
                                preempt, "max-bandwidth", bw, "convergence-timeout", conv));
            }
        }
        md.append("\nLoad average at the end: ").append(Files.readString(Path.of("/proc/loadavg")).strip()).append('\n');
        System.out.println(md);
        b.destinationThread.shutdownNow();
    }

    private static void row(StringBuilder md, String name, Outcome o) {
        MigrationResult s = o.source();
        MigrationResult d = o.destination();
        MigrationResult.Postcopy p = d.postcopy();
        md.append(String.format(Locale.ROOT, "| %s | %s%s | %d | %.0f | %d | %d | %d | %d | %d | %d | %d |%n", name,
                s.status().name().toLowerCase(Locale.ROOT), s.error() == null ? "" : " (" + s.error() + ")",
                s.times().totalMs(), s.ram().dirtyPagesRate() * 4096 / 1e6, p.postcopyTimeMs(), p.pageRequests(), p.requestLatencyP50Us(),
                p.requestLatencyP99Us(), p.requestLatencyMaxUs(), p.blocktimeMs(), p.preemptPages()));
        System.err.println(md.substring(md.lastIndexOf("| " + name)).strip());
    }

    Outcome migrate(long size, double dirtyRate, String... params) throws Exception {
        return migrate(size, dirtyRate, false, params);
    }

    /** One migration of a fresh guest with a running workload; {@code startPostcopy}: switch after the bulk round. */
    Outcome migrate(long size, double dirtyRate, boolean startPostcopy, String... params) throws Exception {
        List<String> kv = new ArrayList<>(List.of(params));
        kv.addAll(List.of("multifd-channels", "2", "peer-timeout", "60000"));
        MigrationParameters p = MigrationParameters.defaults().with(kv.toArray(String[]::new));
        try (GuestMemory guest = GuestMemory.of(RamBlock.anonymous("ram0", size, 4096));
             MigrationDestination destination = new MigrationDestination(p)) {
            SyntheticContent.fill(guest.blocks().getFirst().memory(), 4096, SyntheticContent.Mix.parse("mixed"), 1);
            Endpoint listen = Endpoint.tcp("127.0.0.1", 0);
            CompletableFuture<MigrationResult> received = CompletableFuture.supplyAsync(
                    () -> destination.receive(listen, null), destinationThread);
            int port = destination.awaitListening();
            try (Workload w = new Workload(guest, dirtyRate, 7)) {
                w.start();
                MigrationSource source = new MigrationSource(guest, w, p);
                if (startPostcopy) {
                    source.startPostcopy();
                }
                MigrationResult sent = source.migrate(Endpoint.tcp("127.0.0.1", port), null);
                return new Outcome(sent, received.get(10, TimeUnit.MINUTES));
            }
        }
    }
}
