package io.jmultifd.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.jmultifd.spi.CompressionMethod;
import io.jmultifd.spi.TierStatus;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The end-to-end benchmark: builds the guest image, runs the C yardsticks, the JMH micro-benchmarks and a
 * matrix of real migrations over loopback TCP, then writes results/&lt;timestamp&gt;/{results.json, table.md,
 * *.png} and, with {@code --write-docs}, docs/benchmarks.md. Run it through {@code bench/run-bench.sh}, which
 * builds the jar and the C yardsticks first. Exit code 1 when anything broke (a migration failed, a
 * benchmark gave no result, a method is unavailable), or with {@code --fail-on-regression} when a figure got
 * more than 10% worse than {@code --compare OLD.json}.
 */
public final class Harness {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** A figure more than this much worse than the old one is a regression. */
    static final double REGRESSION = 0.10;
    /** Size of each synthetic image: 8192 pages, enough for the benchmarks' 4096 non-zero pages. */
    static final long SYNTHETIC_SIZE = 32L << 20;
    /** The smallest guest image: the zero-page benchmark scans its first 32 MiB. */
    static final long MIN_IMAGE = (long) ZeroPageBenchmark.SCAN_PAGES * BenchPages.PAGE;

    /** Parsed command line. */
    static final class Options {
        boolean quick;
        String size = "256M";
        Path image;
        int repetitions = 3;
        List<String> methods = MethodVariant.ALL;
        List<Integer> channels = List.of(1, 2, 4);
        List<Long> bandwidths = List.of(0L, 125_000_000L);
        double dirtyRate = 16;
        /** Mixes of the engine's --synthetic content the method benchmarks also run on; empty = none. */
        List<String> synthetic = List.of("mixed");
        /** Size of the `none` loopback yardstick's guest (the issue asks for 1 GiB). */
        String loopbackSize = "1G";
        Path out;
        Path compare;
        boolean failOnRegression;
        boolean writeDocs;
        boolean skipJmh;
        boolean skipMigrations;
        MicroBenchmarks.Settings jmh = new MicroBenchmarks.Settings(2, 3, 5, 1000);
        Path repo = Path.of("").toAbsolutePath();
        String command = "bench/run-bench.sh";
        String machineNote = "";
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("java.awt.headless", "true");
        Options o;
        try {
            o = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("jmultifd bench: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        if (o == null) {
            System.out.println(USAGE);
            return;
        }
        System.exit(new Harness().run(o));
    }

    static final String USAGE = """
            usage: bench/run-bench.sh [--quick] [--size SIZE | --image FILE] [--reps N] [--methods a,b,..]
                   [--channels 1,2,4] [--bandwidths 0,125000000] [--dirty-rate MB/s] [--out DIR]
                   [--compare OLD.json [--fail-on-regression]] [--write-docs] [--jmh F,WI,I,MS]
                   [--skip-jmh] [--skip-migrations] [--synthetic MIX;MIX.. | --synthetic none]
                   [--loopback-size SIZE] [--machine-note TEXT]
              --quick: 32M image, 1 repetition, channels 1,2, short JMH runs, 256M loopback guest (the CI smoke test)
              synthetic: mixes of `jmultifd migrate --synthetic`, e.g. mixed;zero=10,text=90 (default mixed)
              methods: none, zlib, zstd, qpl-software, qpl-java (qpl pinned by qpl-path, fixed Huffman)
              bandwidths: bytes/s, 0 = unlimited""";

    static Options parse(String[] args) {
        Options o = new Options();
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) return null;
        // --quick first, so that explicit options given with it still win.
        if (Arrays.asList(args).contains("--quick")) {
            o.quick = true;
            o.size = "32M";
            o.repetitions = 1;
            o.channels = List.of(1, 2);
            o.jmh = new MicroBenchmarks.Settings(1, 1, 1, 500);
            o.loopbackSize = "256M";
        }
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--quick" -> {}
                case "--size" -> {
                    o.size = value(args, ++i, a);
                    if (GuestImageBuilder.parseSize(o.size) < MIN_IMAGE) {
                        throw new IllegalArgumentException("--size " + o.size + ": the image must be at least 32M (the"
                                + " zero-page benchmark scans its first " + ZeroPageBenchmark.SCAN_PAGES + " pages)");
                    }
                }
                case "--image" -> o.image = Path.of(value(args, ++i, a));
                case "--reps" -> o.repetitions = positive(value(args, ++i, a), a);
                case "--methods" -> {
                    o.methods = List.of(value(args, ++i, a).split(","));
                    o.methods.forEach(MethodVariant::of);
                }
                case "--channels" -> o.channels = Arrays.stream(value(args, ++i, a).split(",")).map(s -> positive(s, "--channels")).toList();
                case "--bandwidths" -> o.bandwidths = Arrays.stream(value(args, ++i, a).split(",")).map(s -> {
                    try {
                        long v = Long.parseLong(s.trim());
                        if (v < 0) throw new NumberFormatException();
                        return v;
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--bandwidths " + s + ": not a number of bytes/s >= 0");
                    }
                }).toList();
                case "--dirty-rate", "--workload-dirty-rate" -> {
                    String v = value(args, ++i, a);
                    try {
                        o.dirtyRate = Double.parseDouble(v);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException(a + " " + v + ": not a number of MB/s");
                    }
                    if (!(o.dirtyRate >= 0)) throw new IllegalArgumentException(a + " " + v + ": must be >= 0");
                }
                case "--out" -> o.out = Path.of(value(args, ++i, a));
                case "--compare" -> o.compare = Path.of(value(args, ++i, a));
                case "--fail-on-regression" -> o.failOnRegression = true;
                case "--write-docs" -> o.writeDocs = true;
                case "--skip-jmh" -> o.skipJmh = true;
                case "--skip-migrations" -> o.skipMigrations = true;
                case "--synthetic" -> {
                    String v = value(args, ++i, a);
                    o.synthetic = v.equals("none") ? List.of() : List.of(v.split(";", -1));
                    for (String mix : o.synthetic) {
                        if (mix.isBlank()) throw new IllegalArgumentException("--synthetic " + v + ": empty mix");
                        try {
                            SyntheticImages.parseMix(mix);
                        } catch (IllegalArgumentException e) {
                            throw new IllegalArgumentException("--synthetic " + mix + ": " + e.getMessage());
                        }
                    }
                }
                case "--loopback-size" -> {
                    o.loopbackSize = value(args, ++i, a);
                    GuestImageBuilder.parseSize(o.loopbackSize);
                }
                case "--jmh" -> {
                    String[] f = value(args, ++i, a).split(",");
                    if (f.length != 4) throw new IllegalArgumentException("--jmh " + args[i] + ": expected FORKS,WARMUPS,ITERATIONS,MILLIS");
                    o.jmh = new MicroBenchmarks.Settings(positive(f[0], a), nonNegative(f[1], a), positive(f[2], a), positive(f[3], a));
                }
                case "--repo" -> o.repo = Path.of(value(args, ++i, a)).toAbsolutePath();
                case "--command" -> o.command = value(args, ++i, a);
                case "--machine-note" -> o.machineNote = value(args, ++i, a);
                default -> throw new IllegalArgumentException("unknown argument " + a);
            }
        }
        if (o.failOnRegression && o.compare == null) {
            throw new IllegalArgumentException("--fail-on-regression needs --compare OLD.json");
        }
        if (o.compare != null && !Files.isRegularFile(o.compare)) {
            throw new IllegalArgumentException("--compare " + o.compare + ": no such file");
        }
        if (o.image != null && !Files.isRegularFile(o.image)) {
            throw new IllegalArgumentException("--image " + o.image + ": no such file");
        }
        return o;
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) throw new IllegalArgumentException(option + " needs a value");
        return args[i];
    }

    private static int positive(String s, String option) {
        int v = nonNegative(s, option);
        if (v == 0) throw new IllegalArgumentException(option + " " + s + ": must be > 0");
        return v;
    }

    private static int nonNegative(String s, String option) {
        try {
            int v = Integer.parseInt(s.trim());
            if (v < 0) throw new NumberFormatException();
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " " + s + ": not a whole number >= 0");
        }
    }

    // ------------------------------------------------------------------------------------------------ run

    private final List<String> failures = new ArrayList<>();

    int run(Options o) throws Exception {
        Instant started = Instant.now();
        String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(started);
        Path out = o.out != null ? o.out : o.repo.resolve("results").resolve(stamp);
        Files.createDirectories(out);
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("date", DateTimeFormatter.ISO_INSTANT.format(started));
        results.put("command", o.command);
        results.put("machine", Machine.describe(o.machineNote));
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("quick", o.quick);
        settings.put("repetitions", o.repetitions);
        settings.put("methods", o.methods);
        settings.put("channels", o.channels);
        settings.put("max_bandwidths_bytes_per_s", o.bandwidths);
        settings.put("workload_dirty_rate_MBps", o.dirtyRate);
        settings.put("jmh", o.jmh.describe());
        settings.put("synthetic_mixes", o.synthetic);
        settings.put("loopback_none_size", o.loopbackSize);
        results.put("settings", settings);

        // 1. The guest image.
        Path imagePath = o.image;
        if (imagePath == null) {
            imagePath = out.resolve("guest-" + o.size + ".img");
            Path modules = Path.of(System.getProperty("java.home"), "lib", "modules");
            step("building the guest image (" + o.size + ")");
            GuestImageBuilder.Composition c = GuestImageBuilder.build(imagePath, GuestImageBuilder.parseSize(o.size), modules);
            System.out.print(c.describe());
            results.put("image", compositionMap(c));
        } else {
            GuestImageBuilder.Composition c = GuestImageBuilder.describe(imagePath, Map.of(), Map.of());
            System.out.print(c.describe());
            results.put("image", compositionMap(c));
        }
        System.setProperty("jmultifd.bench.image", imagePath.toString());

        // 2. Methods and tiers available here.
        results.put("methods", availability(o.methods));

        try (BenchPages pages = BenchPages.load(imagePath)) {
            Path selection = out.resolve("bench-pages.img");
            pages.writeSelection(selection);
            Path zeroArea = out.resolve("zero-scan-pages.img");
            writeZeroScanArea(pages, zeroArea);

            // 3. Compression ratios of one pass over the benchmark pages (not timed).
            Map<String, Object> ratios = new LinkedHashMap<>();
            Map<String, PageCodecBenchmark.Outcome> codecOutcomes = new LinkedHashMap<>();
            for (String tier : PageCodecs.TIERS) {
                try {
                    PageCodecBenchmark.Outcome oc = PageCodecBenchmark.measureOutcome(tier, pages);
                    codecOutcomes.put(tier, oc);
                    ratios.put("page_codec_" + tier, Map.of("pages", oc.pages(), "raw", oc.raw(),
                            "compressed_bytes", oc.compressedBytes(), "ratio", round3(oc.ratio())));
                } catch (RuntimeException e) {
                    failures.add("page codec " + tier + ": " + e);
                }
            }
            for (String m : o.methods) {
                try {
                    ratios.put("packet_payload_" + m, round3(MethodBenchmark.compressionRatio(m, pages)));
                } catch (RuntimeException e) {
                    failures.add("method " + m + ": " + e);
                }
            }
            results.put("compression_ratios", ratios);

            // 4. Yardsticks next to their Java counterparts, since the machine's load drifts: C qpl reference,
            // then the JMH codec benchmark; C zero scan, then the JMH zero-page benchmark; the socket copy
            // comes right before the migrations.
            Yardsticks c = new Yardsticks(o.repo.resolve("bench/target/native"));
            Map<String, Object> yard = new LinkedHashMap<>();
            results.put("c_yardsticks", yard);
            List<MicroBenchmarks.Row> rows = new ArrayList<>();
            List<String> missing = new ArrayList<>();
            List<String> jvmArgs = List.of("--enable-native-access=ALL-UNNAMED", "-Djmultifd.bench.image=" + imagePath);
            step("C qpl reference, then JMH PageCodecBenchmark (" + o.jmh.describe() + ")");
            Yardsticks.Outcome cQpl = yardstick(yard, c.qplReference(selection, o.quick ? 2 : 5));
            if (!o.skipJmh) rows.addAll(MicroBenchmarks.run(List.of(new MicroBenchmarks.Spec("PageCodecBenchmark",
                    List.of("compress", "decompress"), "tier", PageCodecs.TIERS)), o.jmh, jvmArgs, missing));
            step("C zero-page scan, then JMH ZeroPageBenchmark");
            Yardsticks.Outcome cZero = yardstick(yard, c.zeroScan(zeroArea, o.quick ? 200 : 2000, o.quick ? 3 : 10));
            if (!o.skipJmh) rows.addAll(MicroBenchmarks.run(List.of(new MicroBenchmarks.Spec("ZeroPageBenchmark",
                    List.of("scan"), null, List.of())), o.jmh, jvmArgs, missing));
            if (!o.skipJmh) {
                step("JMH MethodBenchmark");
                rows.addAll(withData("image", MicroBenchmarks.run(List.of(new MicroBenchmarks.Spec("MethodBenchmark",
                        List.of("compress", "decompress"), "method", o.methods)), o.jmh, jvmArgs, missing)));
                if (o.methods.contains(Report.SCALED_METHOD)) {
                    // Two source channels on two cores with the destination elsewhere: two threads, each with
                    // its own sender (channel state), against the one-thread figure above.
                    step("JMH MethodBenchmark.compress, " + Report.SCALED_METHOD + ", 2 threads");
                    rows.addAll(withData("image", MicroBenchmarks.run(List.of(new MicroBenchmarks.Spec(
                            "MethodBenchmark", List.of("compress"), "method", List.of(Report.SCALED_METHOD), 2)),
                            o.jmh, jvmArgs, missing)));
                }
            }
            results.put("synthetic", synthetic(o, out, ratios, rows, missing));
            if (!o.skipJmh) {
                missing.forEach(m -> failures.add("JMH " + m));
                List<Map<String, Object>> jmh = new ArrayList<>();
                for (MicroBenchmarks.Row r : rows) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("benchmark", r.benchmark());
                    row.put("params", r.params());
                    row.put("pages_per_s", Math.round(r.opsPerSecond()));
                    row.put("error_pages_per_s", Math.round(r.error()));
                    row.put("best_iteration_pages_per_s", Math.round(r.best()));
                    row.put("bytes_per_s", Math.round(r.opsPerSecond() * BenchPages.PAGE));
                    jmh.add(row);
                }
                results.put("jmh", jmh);
            }
            step("C loopback socket copy");
            long loopbackBytes = GuestImageBuilder.parseSize(o.loopbackSize);
            Yardsticks.Outcome cCopy = yardstick(yard, c.socketCopy(loopbackBytes, 3));
            Yardsticks.Outcome cCopyFresh = yardstick(yard, c.socketCopyFresh(loopbackBytes, 3));
            Yardsticks.Outcome cCopyMemory = yardstick(yard, c.socketCopyMemory(loopbackBytes, 3));
            List<Map<String, Object>> loopback = new ArrayList<>();
            if (!o.skipMigrations) {
                step("`none` migrations of a " + o.loopbackSize + " guest over loopback TCP, no workload, channels "
                        + o.channels + " x " + o.repetitions + " repetitions, destination memory lazy and prealloc"
                        + " (yardstick: C socket copy)");
                try (Arena tileArena = Arena.ofShared()) {
                    MemorySegment tiled = tile(pages.image(), loopbackBytes, tileArena);
                    for (boolean prealloc : List.of(false, true)) {
                        try (Migrations migrations = new Migrations(tiled, 0, prealloc)) {
                            // One unrecorded migration first: the JIT compiles the engine's page path and the
                            // kernel sets up its socket buffers, costs the later runs (and the matrix) do not pay.
                            Migrations.Run warm = migrations.run(new Migrations.Config("none", o.channels.getLast(), 0), 41);
                            System.out.println("  warm-up (not recorded): " + warm.source().get("status") + " "
                                    + warm.source().get("total_time_ms") + " ms");
                            if (!"COMPLETED".equals(warm.source().get("status"))) {
                                failures.add("loopback warm-up migration: " + warm.source().get("error"));
                            }
                            for (int ch : o.channels) {
                                Map<String, Object> cfg = runConfig(migrations, new Migrations.Config("none", ch, 0),
                                        o.repetitions);
                                cfg.put("destination_prealloc", prealloc);
                                loopback.add(cfg);
                            }
                        }
                    }
                }
            }
            results.put("loopback_none", loopback);

            // 5. Migrations.
            List<Map<String, Object>> matrix = new ArrayList<>();
            if (!o.skipMigrations) {
                step("migrations over loopback TCP: " + o.methods + " x channels " + o.channels + " x bandwidth "
                        + o.bandwidths + " x " + o.repetitions + " repetitions, workload " + o.dirtyRate + " MB/s");
                try (Migrations migrations = new Migrations(pages.image(), o.dirtyRate)) {
                    for (String m : o.methods) {
                        for (long bw : o.bandwidths) {
                            for (int ch : o.channels) {
                                matrix.add(runConfig(migrations, new Migrations.Config(m, ch, bw), o.repetitions));
                            }
                        }
                    }
                }
            }
            results.put("migrations", matrix);

            // 6. Yardstick ratios.
            List<Map<String, Object>> yardstickRatios = Report.yardstickRatios(cQpl, cZero, cCopy,
                    codecOutcomes.get("software"), rows, matrix, loopback, failures);
            if (cCopyMemory.ok() && !loopback.isEmpty()) yardstickRatios.add(Report.memoryCopy(loopback, cCopyMemory));
            if (cCopyFresh.ok() && !loopback.isEmpty()) yardstickRatios.add(Report.context(loopback, cCopyFresh));
            results.put("yardstick_ratios", yardstickRatios);
        }

        results.put("figures", Report.figures(results));
        results.put("failures", failures);
        Files.writeString(out.resolve("results.json"), JSON.writeValueAsString(results));
        String table = Report.tableMarkdown(results);
        Files.writeString(out.resolve("table.md"), table);
        List<Path> plots = Report.plots(results, out);
        System.out.println();
        System.out.println(table);

        int exit = 0;
        if (o.compare != null) {
            List<String> worse = Report.compare(JSON.readTree(o.compare.toFile()), JSON.readTree(JSON.writeValueAsString(results)), REGRESSION);
            if (worse.isEmpty()) {
                System.out.println("compared with " + o.compare + ": no figure is more than 10% worse");
            } else {
                System.out.println("WORSE than " + o.compare + " by more than 10% (" + worse.size() + " figures):");
                worse.forEach(w -> System.out.println("  WORSE " + w));
                if (o.failOnRegression) exit = 1;
            }
        }
        if (o.writeDocs) {
            Path docs = Report.writeDocs(o.repo, results, table, plots);
            System.out.println("wrote " + docs);
        }
        System.out.println("results in " + out);
        // The images are large and rebuilt from the recipe on demand; keep the results folder small.
        if (o.image == null) Files.deleteIfExists(imagePath);
        // bench-pages.img (16 MiB) stays: it lets anyone rerun the C reference on the very pages measured.
        Files.deleteIfExists(out.resolve("zero-scan-pages.img"));
        if (!failures.isEmpty()) {
            System.out.println("FAILED (" + failures.size() + "):");
            failures.forEach(f -> System.out.println("  FAILED " + f));
            return 1;
        }
        return exit;
    }

    /** Marks rows with the data they ran on: {@code image} or {@code synthetic:MIX}. */
    static List<MicroBenchmarks.Row> withData(String data, List<MicroBenchmarks.Row> rows) {
        List<MicroBenchmarks.Row> marked = new ArrayList<>();
        for (MicroBenchmarks.Row r : rows) {
            Map<String, String> params = new LinkedHashMap<>(r.params());
            params.put("data", data);
            marked.add(new MicroBenchmarks.Row(r.benchmark(), params, r.opsPerSecond(), r.error(), r.best()));
        }
        return marked;
    }

    /**
     * The method benchmarks and compression ratios on each synthetic mix; returns what was done for
     * results.json.
     */
    private Map<String, Object> synthetic(Options o, Path out, Map<String, Object> ratios, List<MicroBenchmarks.Row> rows,
            List<String> missing) throws Exception {
        Map<String, Object> done = new LinkedHashMap<>();
        if (o.synthetic.isEmpty()) {
            done.put("skipped", "--synthetic none");
            return done;
        }
        for (int i = 0; i < o.synthetic.size(); i++) {
            String mix = o.synthetic.get(i);
            Path file = out.resolve("synthetic-" + i + ".img");
            try {
                step("synthetic mix " + mix + " (" + (SYNTHETIC_SIZE >> 20) + " MiB, the CLI's default seed)");
                Map<?, ?> kinds = SyntheticImages.write(file, SYNTHETIC_SIZE, mix);
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("size", SYNTHETIC_SIZE);
                entry.put("pages_per_kind", kinds.toString());
                try (BenchPages synthetic = BenchPages.load(file)) {
                    for (String m : o.methods) {
                        ratios.put("packet_payload_" + m + " (synthetic " + mix + ")",
                                round3(MethodBenchmark.compressionRatio(m, synthetic)));
                    }
                }
                if (!o.skipJmh) {
                    List<String> jvmArgs = List.of("--enable-native-access=ALL-UNNAMED", "-Djmultifd.bench.image=" + file);
                    rows.addAll(withData("synthetic:" + mix, MicroBenchmarks.run(List.of(new MicroBenchmarks.Spec(
                            "MethodBenchmark", List.of("compress", "decompress"), "method", o.methods)), o.jmh, jvmArgs,
                            missing)));
                }
                done.put(mix, entry);
            } catch (RuntimeException e) {
                failures.add("synthetic mix " + mix + ": " + e.getMessage());
            } finally {
                Files.deleteIfExists(file);
            }
        }
        return done;
    }

    /** A segment of {@code size} bytes holding the image again and again (the last copy cut short). */
    static MemorySegment tile(MemorySegment image, long size, Arena arena) {
        MemorySegment tiled = arena.allocate(size, BenchPages.PAGE);
        for (long at = 0; at < size; at += image.byteSize()) {
            MemorySegment.copy(image, 0, tiled, at, Math.min(image.byteSize(), size - at));
        }
        return tiled;
    }

    private static Yardsticks.Outcome yardstick(Map<String, Object> yard, Yardsticks.Outcome y) {
        System.out.println("  " + y.name() + ": " + (y.ok() ? y.figures() : "MISSING: " + y.problem()));
        yard.put(y.name(), y.ok() ? y.figures() : Map.of("missing", y.problem()));
        return y;
    }

    private Map<String, Object> runConfig(Migrations migrations, Migrations.Config config, int repetitions) {
        List<Migrations.Run> runs = new ArrayList<>();
        for (int rep = 0; rep < repetitions; rep++) {
            try {
                Migrations.Run r = migrations.run(config, 42 + rep);
                runs.add(r);
                String status = String.valueOf(r.source().get("status"));
                System.out.printf(Locale.ROOT, "  %-14s ch=%d bw=%-12s rep %d: %s %s ms, %.0f Mbit/s%n", config.variant(),
                        config.channels(), config.bandwidthLabel(), rep + 1, status, r.source().get("total_time_ms"),
                        ((Number) r.source().get("mbps")).doubleValue());
                String broken = brokenRun(r);
                if (broken != null) failures.add("migration " + config.key() + " rep " + (rep + 1) + ": " + broken);
            } catch (Exception e) {
                failures.add("migration " + config.key() + " rep " + (rep + 1) + ": " + e);
                e.printStackTrace();
            }
        }
        return Report.configSummary(config, runs);
    }

    /** Null when both sides completed with matching checksums, else what went wrong (the smoke test's gate). */
    static String brokenRun(Migrations.Run r) {
        Object source = r.source().get("status"), destination = r.destination().get("status");
        if (!"COMPLETED".equals(source) || !"COMPLETED".equals(destination)) {
            return "source " + source + " (" + r.source().get("error") + "), destination " + destination + " ("
                    + r.destination().get("error") + ")";
        }
        // The engine fails a migration whose checksums differ; this checks that it said so on both sides.
        if (!Boolean.TRUE.equals(r.source().get("checksum_match")) || !Boolean.TRUE.equals(r.destination().get("checksum_match"))) {
            return "completed but checksum_match is " + r.source().get("checksum_match") + " (source) / "
                    + r.destination().get("checksum_match") + " (destination)";
        }
        return null;
    }

    private static void writeZeroScanArea(BenchPages pages, Path file) throws IOException {
        var area = ZeroPageBenchmark.scanArea(pages).asByteBuffer();
        try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
            while (area.hasRemaining()) ch.write(area);
        }
    }

    private Map<String, Object> availability(List<String> variants) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (String v : variants) {
            MethodVariant variant = MethodVariant.of(v);
            try {
                CompressionMethod method = variant.find();
                String tier = variant.parameters().get("qpl-path");
                String detail = "available";
                if (tier != null) {
                    TierStatus t = method.tiers().stream().filter(s -> s.tier().equals(tier)).findFirst()
                            .orElseThrow(() -> new IllegalStateException("method qpl has no tier " + tier));
                    detail = (t.available() ? "available: " : "UNAVAILABLE: ") + t.detail();
                    if (!t.available()) failures.add(v + ": tier " + tier + " unavailable: " + t.detail());
                }
                m.put(v, detail);
            } catch (RuntimeException e) {
                m.put(v, "UNAVAILABLE: " + e.getMessage());
                failures.add(v + ": " + e.getMessage());
            }
        }
        return m;
    }

    private static Map<String, Object> compositionMap(GuestImageBuilder.Composition c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("size", c.size());
        m.put("sha256", c.sha256());
        m.put("pages", c.pages());
        m.put("zero_pages", c.zeroPages());
        m.put("bytes_per_kind", c.bytesPerKind());
        m.put("sources", c.sources());
        return m;
    }

    static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    private static void step(String what) {
        System.out.println();
        System.out.println("== " + what);
    }

    /** Cores, CPU model and load of this machine, for the report. */
    static final class Machine {
        static Map<String, Object> describe(String note) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("cores", Runtime.getRuntime().availableProcessors());
            m.put("cpu_model", firstMatch(Path.of("/proc/cpuinfo"), "model name"));
            m.put("memory", firstMatch(Path.of("/proc/meminfo"), "MemTotal"));
            m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
            m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
            try {
                m.put("load_average_at_start", Files.readString(Path.of("/proc/loadavg")).trim());
            } catch (IOException e) {
                m.put("load_average_at_start", "unknown");
            }
            m.put("note", note);
            return m;
        }

        private static String firstMatch(Path file, String key) {
            try {
                for (String line : Files.readAllLines(file)) {
                    if (line.startsWith(key)) return line.substring(line.indexOf(':') + 1).trim();
                }
            } catch (IOException e) {
                return "unknown (" + e.getMessage() + ")";
            }
            return "unknown";
        }
    }

    static JsonNode read(Path p) throws IOException {
        return JSON.readTree(p.toFile());
    }
}
