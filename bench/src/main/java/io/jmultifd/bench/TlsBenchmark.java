package io.jmultifd.bench;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The TLS benchmark of issue 16 ({@code bench/run-bench.sh --tls}): the migrations of the matrix (the guest image,
 * a workload, unlimited bandwidth, loopback TCP with both ends in this JVM) with and without TLS, for each method
 * and channel count. TLS is the realistic configuration: mutual TLS with throwaway credentials made by openssl as
 * docs/tls.md says ({@link ThrowawayPki}), the source's certificate checked against the destination's
 * {@code tls-authz}. Plain and TLS runs alternate, their order swapped every repetition, since the load of a shared
 * machine drifts; one unrecorded migration each way warms up every method first. {@link TlsReport} writes the
 * section.
 */
final class TlsBenchmark {
    /** Issue 16's rows: the methods and channel counts --tls runs unless told otherwise. */
    static final List<String> METHODS = List.of("none", "qpl");
    static final List<Integer> CHANNELS = List.of(1, 2);

    /** What to run. {@code warmUp}: one unrecorded migration each way per method before its recorded runs. */
    record Settings(int repetitions, List<String> methods, List<Integer> channels, double dirtyRateMBps, boolean warmUp) {}

    private final List<String> failures;

    TlsBenchmark(List<String> failures) {
        this.failures = failures;
    }

    /**
     * Runs every method x channel count, TLS off and on; the "tls" entry of results.json: the credentials used and
     * one entry per configuration, as {@link TlsReport} reads it. The credentials live in a folder under
     * {@code workDir} for the run only.
     */
    Map<String, Object> run(MemorySegment image, Settings s, Path workDir) throws Exception {
        Map<String, Object> tls = new LinkedHashMap<>();
        List<Map<String, Object>> configs = new ArrayList<>();
        tls.put("configs", configs);
        ThrowawayPki pki;
        try {
            pki = ThrowawayPki.create(workDir);
        } catch (java.io.IOException e) {
            failures.add("tls: no credentials: " + e.getMessage());
            return tls;
        }
        try (pki; Migrations migrations = new Migrations(image, s.dirtyRateMBps())) {
            tls.put("credentials", "mutual TLS, EC P-256 keys and certificates made by " + pki.opensslVersion()
                    + " (docs/tls.md's commands); destination tls-authz=" + ThrowawayPki.CLIENT_DN);
            Map<Boolean, Map<String, String>> sourceOnly = Map.of(false, Map.of(),
                    true, Map.of("tls-creds", pki.source().toString()));
            Map<Boolean, Map<String, String>> destinationOnly = Map.of(false, Map.of(),
                    true, Map.of("tls-creds", pki.destination().toString(), "tls-authz", ThrowawayPki.CLIENT_DN));
            for (String method : s.methods()) {
                if (s.warmUp()) {
                    for (boolean on : List.of(false, true)) {
                        Migrations.Config c = new Migrations.Config(method, s.channels().getLast(), 0);
                        Migrations.Run r = migrations.run(c, 41, sourceOnly.get(on), destinationOnly.get(on));
                        System.out.printf(Locale.ROOT, "  warm-up %s ch=%d TLS %s (not recorded): %s, %s ms%n", method,
                                c.channels(), onOff(on), r.source().get("status"), r.source().get("total-time"));
                        check("warm-up " + c.key() + " TLS " + onOff(on), on, r);
                    }
                }
                for (int ch : s.channels()) {
                    Migrations.Config c = new Migrations.Config(method, ch, 0);
                    Map<Boolean, List<Migrations.Run>> runs = Map.of(false, new ArrayList<>(), true, new ArrayList<>());
                    for (int rep = 0; rep < s.repetitions(); rep++) {
                        for (boolean on : order(rep)) {
                            String what = c.key() + " TLS " + onOff(on) + " rep " + (rep + 1);
                            try {
                                Migrations.Run r = migrations.run(c, 42 + rep, sourceOnly.get(on), destinationOnly.get(on));
                                print(c, on, rep, r);
                                check(what, on, r);
                                runs.get(on).add(r);
                            } catch (Exception e) {
                                // A failure of this run, listed at the end; no stack trace for the operator.
                                failures.add("tls: " + what + ": " + e);
                                System.out.println("  tls: " + what + ": " + e);
                            }
                        }
                    }
                    Map<String, Object> config = new LinkedHashMap<>();
                    config.put("method", method);
                    config.put("channels", ch);
                    config.put("off", summary(runs.get(false)));
                    config.put("on", summary(runs.get(true)));
                    configs.add(config);
                }
            }
        }
        return tls;
    }

    /** Plain first in even repetitions, TLS first in odd ones. */
    static List<Boolean> order(int rep) {
        return rep % 2 == 0 ? List.of(false, true) : List.of(true, false);
    }

    static String onOff(boolean tls) {
        return tls ? "on" : "off";
    }

    private static void print(Migrations.Config c, boolean on, int rep, Migrations.Run r) {
        Map<String, Double> d = Report.derive(r);
        System.out.printf(Locale.ROOT, "  %-6s ch=%d TLS %-3s rep %d: %s, total %.0f ms, %.0f Mbit/s, CPU %.0f%% / %.0f%%%s%n",
                c.variant(), c.channels(), onOff(on), rep + 1, r.source().get("status"), d.get("total_time_ms"),
                d.get("mbps"), d.get("cpu_source_pct"), d.get("cpu_destination_pct"),
                on ? ", " + negotiated(r.source()) : "");
    }

    /** Both sides completed with matching checksums, and each said TLS protected it exactly when it was asked to. */
    private void check(String what, boolean on, Migrations.Run r) {
        String broken = Harness.brokenRun(r);
        if (broken == null) broken = tlsMismatch(on, r);
        if (broken != null) failures.add("tls: " + what + ": " + broken);
    }

    /** Null when both reports carry {@code jmultifd.tls} exactly when TLS was on; else what is wrong. */
    static String tlsMismatch(boolean on, Migrations.Run r) {
        boolean source = Report.field(r.source(), "jmultifd.tls") != null;
        boolean destination = Report.field(r.destination(), "jmultifd.tls") != null;
        if (source == on && destination == on) return null;
        return "TLS " + onOff(on) + ", but jmultifd.tls is " + (source ? "present" : "absent") + " at the source and "
                + (destination ? "present" : "absent") + " at the destination";
    }

    /** "TLSv1.3 TLS_AES_256_GCM_SHA384" from a report's {@code jmultifd.tls}; null without it. */
    static String negotiated(Map<String, Object> report) {
        if (!(Report.field(report, "jmultifd.tls") instanceof Map<?, ?> t)) return null;
        return t.get("protocol") + " " + t.get("cipher-suite");
    }

    /**
     * The medians of the completed runs (as the matrix's {@link Report#derive} names them, plus guest MB/s: the
     * guest's size over the total time, and cpu_ms: both ends' engine CPU time), what TLS negotiated in them, and
     * every run's reports.
     */
    static Map<String, Object> summary(List<Migrations.Run> runs) {
        List<Map<String, Double>> figures = new ArrayList<>();
        List<Map<String, Object>> raw = new ArrayList<>();
        Set<String> negotiated = new LinkedHashSet<>();
        for (Migrations.Run r : runs) {
            raw.add(Map.of("source", r.source(), "destination", r.destination()));
            if (Harness.brokenRun(r) != null) continue;
            Map<String, Double> f = new LinkedHashMap<>(Report.derive(r));
            double total = f.get("total_time_ms");
            f.put("guest_MBps", total > 0 ? num(r.source(), "ram.total") / 1e6 / (total / 1000) : 0);
            // CPU time (user and system) of both ends' engine threads: the figure the machine's other load disturbs least.
            f.put("cpu_ms", num(r.source(), "jmultifd.cpu-time") + num(r.destination(), "jmultifd.cpu-time"));
            figures.add(f);
            String n = negotiated(r.source());
            if (n != null) negotiated.add(n);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("completed_runs", figures.size());
        Map<String, Double> median = new LinkedHashMap<>();
        if (!figures.isEmpty()) {
            for (String key : figures.getFirst().keySet()) {
                median.put(key, Report.median(figures.stream().map(f -> f.getOrDefault(key, 0.0)).toList()));
            }
        }
        m.put("median", median);
        m.put("negotiated", List.copyOf(negotiated));
        m.put("runs", raw);
        return m;
    }

    private static double num(Map<String, Object> report, String path) {
        return Report.field(report, path) instanceof Number n ? n.doubleValue() : 0;
    }

    /**
     * {@code --tls}: this benchmark alone on the image; results.json, table.md, and with {@code --write-docs} its
     * section of docs/benchmarks.md. Returns the exit code.
     */
    static int alone(Harness.Options o, Path out, Map<String, Object> results, Path imagePath, List<String> failures)
            throws Exception {
        try (BenchPages pages = BenchPages.load(imagePath)) {
            Harness.step("TLS: " + o.methods + " x channels " + o.channels + ", TLS off and on, x " + o.repetitions
                    + " repetitions, workload " + o.dirtyRate + " MB/s, unlimited bandwidth");
            results.put("tls", new TlsBenchmark(failures).run(pages.image(),
                    new Settings(o.repetitions, o.methods, o.channels, o.dirtyRate, true), out));
        } finally {
            if (o.image == null) Files.deleteIfExists(imagePath);
        }
        results.put("load_average_at_end", Harness.Machine.loadAverage());
        @SuppressWarnings("unchecked")
        Map<String, Object> tls = (Map<String, Object>) results.get("tls");
        results.put("figures", TlsReport.figures(tls));
        results.put("failures", failures);
        Files.writeString(out.resolve("results.json"), Harness.JSON.writeValueAsString(results));
        String table = TlsReport.table(tls);
        Files.writeString(out.resolve("table.md"), table);
        System.out.println();
        System.out.println(table);
        int exit = Harness.compareWithOld(o, results);
        if (o.writeDocs) System.out.println("wrote " + TlsReport.writeDocs(o.repo, results));
        System.out.println("results in " + out);
        return Harness.exitCode(failures, exit);
    }
}
