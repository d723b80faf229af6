package io.jmultifd.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.jmultifd.multifd.guest.Sizes;
import io.jmultifd.spi.CompressionMethod;
import io.jmultifd.spi.TierStatus;
import java.io.IOException;
import java.io.PrintStream;
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
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

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

    /**
     * Parsed command line. picocli fills it; each setter checks its value and throws a usage error naming the
     * option and the value.
     */
    @Command(name = "bench/run-bench.sh", sortOptions = false, usageHelpWidth = 110,
            description = {"The end-to-end benchmark: builds the guest image, runs the C yardsticks, the JMH "
                    + "micro-benchmarks and a matrix of migrations over loopback TCP, and writes "
                    + "results/<UTC timestamp>/{results.json,table.md,*.png}.", ""},
            footer = {"", "Exit codes: 0 everything ran; 1 something broke (a migration failed, a benchmark gave "
                    + "no result, a method is unavailable), or --fail-on-regression found a figure more than 10%% "
                    + "worse; 2 bad command line."})
    static final class Options {
        @Spec
        CommandSpec spec;

        @Option(names = "--quick", order = 1, description = "The CI smoke test: a 32M image, 1 repetition, "
                + "channels 1,2, --jmh 1,1,1,500, a 256M loopback guest. Options given with it still win.")
        boolean quick;
        String size = "256M";
        int repetitions = 3;
        List<String> methods = MethodVariant.ALL;
        List<Integer> channels = List.of(1, 2, 4);
        List<Long> bandwidths = List.of(0L, 125_000_000L);
        double dirtyRate = 16;
        /** Mixes of the engine's --synthetic content the method benchmarks also run on; empty = none. */
        List<String> synthetic = List.of("mixed");
        /** Size of the `none` loopback yardstick's guest (the issue asks for 1 GiB). */
        String loopbackSize = "1G";
        MicroBenchmarks.Settings jmh = new MicroBenchmarks.Settings(2, 3, 5, 1000);
        Path repo = Path.of("").toAbsolutePath();

        @Option(names = "--snapshot", order = 1, description = "Run the snapshot benchmark only: save and restore "
                + "of a guest holding the image to files (--snapshot-methods x --channels x --snapshot-direct-io; "
                + "live saves with --dirty-rate), a sequential one-thread stream, dd's direct-I/O write and read of the "
                + "same size, QEMU's rows with --qemu-chroot. Drops the page cache before every timed step (root). "
                + "With --write-docs: replaces its section of docs/benchmarks.md. Default repetitions: 1.")
        boolean snapshot;

        /** none = the mapped-ram layout; any other method = a compressed snapshot. */
        List<String> snapshotMethods = List.of("none", "qpl");

        @Option(names = "--snapshot-methods", paramLabel = "none,qpl", order = 1, description = "Snapshot layouts: "
                + "none = mapped-ram (pages at fixed offsets), a method name = compressed with it (default none,qpl; "
                + "qpl with its default qpl-path=auto).")
        void snapshotMethods(String value) {
            List<String> list = List.of(value.split(","));
            for (String m : list) {
                try {
                    MethodVariant.of(m);
                } catch (IllegalArgumentException e) {
                    throw usage("--snapshot-methods " + m + ": " + e.getMessage());
                }
            }
            snapshotMethods = list;
        }

        List<Boolean> snapshotDirectIo = List.of(false, true);

        @Option(names = "--snapshot-direct-io", paramLabel = "off,on", order = 1, description = "direct-io settings of "
                + "the snapshots (default off,on).")
        void snapshotDirectIo(String value) {
            List<Boolean> list = new ArrayList<>();
            for (String v : value.split(",")) {
                switch (v) {
                    case "on" -> list.add(true);
                    case "off" -> list.add(false);
                    default -> throw usage("--snapshot-direct-io " + v + ": expected on or off");
                }
            }
            snapshotDirectIo = List.copyOf(list);
        }

        @Option(names = "--snapshot-dir", paramLabel = "DIR", order = 1, description = "Where the snapshot and dd "
                + "files go (default: the results folder). One snapshot and the dd file at most exist at a time, each "
                + "as large as the guest at most; they are deleted after their step.")
        Path snapshotDir;

        @Option(names = "--qemu-chroot", paramLabel = "DIR", order = 1, description = "With --snapshot: QEMU's rows, "
                + "by bench/qemu-snapshot.sh run in this chroot (prepare it with: bench/qemu-env.sh setup DIR). With "
                + "--vs-qemu: the chroot of Debian unstable's QEMU (default " + VsQemuRun.DEFAULT_CHROOT + ").")
        Path qemuChroot;

        @Option(names = "--vs-qemu", order = 1, description = "Run only the side-by-side with QEMU (issue 11): QEMU "
                + "7.2 of this machine (Debian 12; installed with apt-get when missing), Debian unstable's QEMU in "
                + "--qemu-chroot (set up when missing) and jmultifd's CLI, one after the other, migrating a paused "
                + "guest holding the image (--size, default 1G) over loopback TCP: --methods (default none,zstd,zlib) x "
                + "--channels (default 1,2) x --reps; then jmultifd's qpl-software against its zstd, unlimited and at "
                + "1 Gbit/s. With --write-docs: replaces its section of docs/benchmarks.md. Root.")
        boolean vsQemu;

        @Option(names = "--settle", paramLabel = "SECONDS", order = 1, description = "With --vs-qemu: idle seconds "
                + "before each migration (default ${DEFAULT-VALUE}), so that every tool finds free memory in the same "
                + "state: a virtual machine with free page reporting hands freed memory back to its host about 2 s after "
                + "it is freed, and a guest allocated before that is cheaper to back than one allocated after.")
        int settleSeconds = 5;

        @Option(names = "--no-drop-caches", order = 1, description = "With --snapshot: never drop the page cache.")
        boolean noDropCaches;

        @Option(names = "--size", paramLabel = "SIZE", order = 2, description = "The guest image, built from files "
                + "on this machine: at least 32M, a multiple of 1M (default 256M; --quick 32M).")
        void size(String value) {
            if (imageSize(value) < MIN_IMAGE) {
                throw usage("--size " + value + ": the image must be at least 32M (the zero-page benchmark scans "
                        + "its first " + ZeroPageBenchmark.SCAN_PAGES + " pages)");
            }
            size = value;
        }

        @Option(names = "--image", paramLabel = "FILE", order = 3, description = "Use this guest image instead of "
                + "building one.")
        Path image;

        @Option(names = "--reps", paramLabel = "N", order = 4, description = "Repetitions of every migration, the "
                + "median is reported (default 3; --quick 1).")
        void repetitions(String value) {
            repetitions = positive(value, "--reps");
        }

        @Option(names = "--methods", paramLabel = "a,b,..", order = 5, description = "none, zlib, zstd, "
                + "qpl-software, qpl-java (qpl pinned by qpl-path, fixed Huffman), qpl-hardware where IAA exists, "
                + "or any method name on the class path (default: none,zlib,zstd,qpl-software,qpl-java).")
        void methods(String value) {
            List<String> list = List.of(value.split(","));
            for (String m : list) {
                try {
                    MethodVariant.of(m);
                } catch (IllegalArgumentException e) {
                    throw usage(e.getMessage());
                }
            }
            methods = list;
        }

        @Option(names = "--channels", paramLabel = "1,2,4", order = 6, description = "multifd-channels of the "
                + "migrations (default 1,2,4; --quick 1,2).")
        void channels(String value) {
            List<Integer> list = new ArrayList<>();
            for (String s : value.split(",")) list.add(positive(s, "--channels"));
            channels = List.copyOf(list);
        }

        @Option(names = "--bandwidths", paramLabel = "0,125000000", order = 7, description = "max-bandwidth of "
                + "the migrations in bytes/s, 0 = unlimited; k/M/G/T suffixes are powers of 1024 as the engine's "
                + "(default 0,125000000).")
        void bandwidths(String value) {
            List<Long> list = new ArrayList<>();
            for (String s : value.split(",")) {
                try {
                    list.add(Sizes.parse(s));
                } catch (Sizes.InvalidSize e) {
                    throw usage("--bandwidths " + s + ": " + e.problem().words() + " (bytes/s, 0 = unlimited; "
                            + "an optional suffix k, M, G or T is a power of 1024)");
                }
            }
            bandwidths = List.copyOf(list);
        }

        @Option(names = "--dirty-rate", paramLabel = "MB/s", order = 8, description = "How fast the workload "
                + "dirties the guest during the migrations (default 16).")
        void dirtyRate(String value) {
            dirtyRate("--dirty-rate", value);
        }

        /** The engine CLI's name for the same thing. */
        @Option(names = "--workload-dirty-rate", paramLabel = "MB/s", hidden = true)
        void workloadDirtyRate(String value) {
            dirtyRate("--workload-dirty-rate", value);
        }

        private void dirtyRate(String option, String value) {
            double v;
            try {
                v = Double.parseDouble(value);
            } catch (NumberFormatException e) {
                throw usage(option + " " + value + ": not a number of MB/s");
            }
            if (!(v >= 0)) throw usage(option + " " + value + ": must be >= 0");
            dirtyRate = v;
        }

        @Option(names = "--out", paramLabel = "DIR", order = 9, description = "Where the results go (default: "
                + "results/<UTC timestamp>/ in the repository).")
        Path out;

        @Option(names = "--compare", paramLabel = "OLD.json", order = 10, description = "Print a WORSE line for "
                + "every figure more than 10%% worse than in this earlier results.json (the exit code stays 0).")
        Path compare;

        @Option(names = "--fail-on-regression", order = 11, description = "With --compare: exit 1 when a figure is "
                + "more than 10%% worse.")
        boolean failOnRegression;

        @Option(names = "--write-docs", order = 12, description = "Regenerate docs/benchmarks.md, "
                + "docs/img/bench-*.png and the Benchmark section of accel-plugin/README.md.")
        boolean writeDocs;

        @Option(names = "--jmh", paramLabel = "F,WI,I,MS", order = 13, description = "JMH forks, warm-up and "
                + "measurement iterations, iteration length in ms (default 2,3,5,1000; --quick 1,1,1,500).")
        void jmh(String value) {
            String[] f = value.split(",");
            if (f.length != 4) throw usage("--jmh " + value + ": expected FORKS,WARMUPS,ITERATIONS,MILLIS");
            jmh = new MicroBenchmarks.Settings(positive(f[0], "--jmh"), nonNegative(f[1], "--jmh"),
                    positive(f[2], "--jmh"), positive(f[3], "--jmh"));
        }

        @Option(names = "--skip-jmh", order = 14, description = "Run no JMH micro-benchmark.")
        boolean skipJmh;

        @Option(names = "--skip-migrations", order = 15, description = "Run no migration.")
        boolean skipMigrations;

        @Option(names = "--synthetic", paramLabel = "MIX;MIX..", order = 16, description = "Mixes of `jmultifd "
                + "migrate --synthetic` the method benchmarks also run on, e.g. mixed;zero=10,text=90 (default "
                + "mixed); none: no synthetic data.")
        void synthetic(String value) {
            List<String> mixes = value.equals("none") ? List.of() : List.of(value.split(";", -1));
            for (String mix : mixes) {
                if (mix.isBlank()) throw usage("--synthetic " + value + ": empty mix");
                try {
                    SyntheticImages.parseMix(mix);
                } catch (IllegalArgumentException e) {
                    throw usage("--synthetic " + mix + ": " + e.getMessage());
                }
            }
            synthetic = mixes;
        }

        @Option(names = "--loopback-size", paramLabel = "SIZE", order = 17, description = "The guest of the `none` "
                + "loopback runs and the C socket copy, a multiple of 1M (default 1G; --quick 256M).")
        void loopbackSize(String value) {
            imageSize(value);
            loopbackSize = value;
        }

        @Option(names = "--machine-note", paramLabel = "TEXT", order = 18, description = "A note on the machine "
                + "for the report, e.g. what else ran.")
        String machineNote = "";

        @Option(names = "--repo", paramLabel = "DIR", hidden = true, description = "The repository (run-bench.sh "
                + "passes it).")
        void repo(Path value) {
            repo = value.toAbsolutePath();
        }

        @Option(names = "--command", paramLabel = "TEXT", hidden = true, description = "The command line for "
                + "results.json (run-bench.sh passes its own).")
        String command = "bench/run-bench.sh";

        @Option(names = {"-h", "--help"}, usageHelp = true, order = 20, description = "Print this help and exit.")
        boolean help;

        @Option(names = "--hints", order = 19, description = "Only the free-page hint benchmark: an idle guest of "
                + "--size (default 4G; --quick 32M) with 75%% free memory and the same guest with a workload of "
                + "--dirty-rate, each migrated with free-page-hint=on and off, --reps times; method none and 2 channels "
                + "unless --methods or --channels say otherwise. With --write-docs it replaces only its section of "
                + "docs/benchmarks.md.")
        boolean hints;
        /** The free-page hint benchmark's guest, methods and channel counts ({@link #applyHints}). */
        String hintsSize = "4G";
        List<String> hintsMethods = List.of("none");
        List<Integer> hintsChannels = List.of(2);

        @Option(names = "--tls", order = 19, description = "Only the TLS benchmark: migrations of the guest image "
                + "(--size) with TLS off and on (mutual TLS, throwaway credentials made with openssl), methods none,qpl "
                + "x channels 1,2 unless --methods or --channels say otherwise, unlimited bandwidth, --reps times. With "
                + "--write-docs it replaces only its section of docs/benchmarks.md.")
        boolean tls;

        /** --quick's values for what the command line did not set itself. */
        private void applyQuick(ParseResult given) {
            if (!quick) return;
            if (!given.hasMatchedOption("--size")) size = "32M";
            if (!given.hasMatchedOption("--reps")) repetitions = 1;
            if (!given.hasMatchedOption("--channels")) channels = List.of(1, 2);
            if (!given.hasMatchedOption("--jmh")) jmh = new MicroBenchmarks.Settings(1, 1, 1, 500);
            if (!given.hasMatchedOption("--loopback-size")) loopbackSize = "256M";
        }

        /** --hints's own defaults: its guest is 4G (--quick 32M), its matrix one method and one channel count. */
        private void applyHints(ParseResult given) {
            if (given.hasMatchedOption("--size")) hintsSize = size;
            else if (quick) hintsSize = "32M";
            if (given.hasMatchedOption("--methods")) hintsMethods = methods;
            if (given.hasMatchedOption("--channels")) hintsChannels = channels;
        }

        /** --tls's own defaults: the methods and channel counts of issue 16, at unlimited bandwidth only. */
        private void applyTls(ParseResult given) {
            if (!tls) return;
            if (given.hasMatchedOption("--bandwidths")) throw usage("--tls runs at unlimited bandwidth: no --bandwidths");
            if (!given.hasMatchedOption("--methods")) methods = TlsBenchmark.METHODS;
            if (!given.hasMatchedOption("--channels")) channels = TlsBenchmark.CHANNELS;
            bandwidths = List.of(0L);
        }

        /** --vs-qemu's values for what the command line did not set itself: issue 11's matrix on a 1G guest. */
        private void applyVsQemu(ParseResult given) {
            if (!vsQemu) return;
            if (!given.hasMatchedOption("--size")) size = quick ? "32M" : "1G";
            if (!given.hasMatchedOption("--methods")) methods = List.of("none", "zstd", "zlib");
            if (!given.hasMatchedOption("--channels")) channels = List.of(1, 2);
            if (qemuChroot == null) qemuChroot = Path.of(VsQemuRun.DEFAULT_CHROOT);
        }

        /** --snapshot's values for what the command line did not set itself. */
        private void applySnapshot(ParseResult given) {
            if (snapshot && !given.hasMatchedOption("--reps")) repetitions = 1;
        }

        /** What depends on more than one option, or on files. */
        private void checkTogether() {
            if ((snapshot ? 1 : 0) + (hints ? 1 : 0) + (tls ? 1 : 0) + (vsQemu ? 1 : 0) > 1) {
                throw usage("--snapshot, --hints, --tls and --vs-qemu are separate runs: give one");
            }
            if (vsQemu && compare != null) throw usage("--compare works on the full benchmark, not on --vs-qemu");
            if (vsQemu && methods.stream().anyMatch(m -> !List.of("none", "zstd", "zlib").contains(m))) {
                throw usage("--vs-qemu --methods " + String.join(",", methods) + ": QEMU's side takes none, zstd and zlib");
            }
            if (snapshot && compare != null) throw usage("--compare works on the full benchmark, not on --snapshot");
            if (failOnRegression && compare == null) throw usage("--fail-on-regression needs --compare OLD.json");
            if (compare != null && !Files.isRegularFile(compare)) throw usage("--compare " + compare + ": no such file");
            if (image != null && !Files.isRegularFile(image)) throw usage("--image " + image + ": no such file");
            if (!snapshot && !vsQemu && qemuChroot != null) throw usage("--qemu-chroot needs --snapshot or --vs-qemu");
            if (settleSeconds < 0) throw usage("--settle " + settleSeconds + ": seconds, 0 or more");
            // --vs-qemu sets its chroot up when it is missing.
            if (qemuChroot != null && !vsQemu && !Files.isDirectory(qemuChroot)) {
                throw usage("--qemu-chroot " + qemuChroot + ": no such directory (bench/qemu-snapshot.sh setup "
                        + qemuChroot + " prepares one)");
            }
        }

        private long imageSize(String value) {
            try {
                return GuestImageBuilder.parseSize(value);
            } catch (IllegalArgumentException e) {
                throw usage(e.getMessage());
            }
        }

        private int positive(String s, String option) {
            int v = nonNegative(s, option);
            if (v == 0) throw usage(option + " " + s + ": must be > 0");
            return v;
        }

        private int nonNegative(String s, String option) {
            try {
                int v = Integer.parseInt(s.trim());
                if (v < 0) throw new NumberFormatException();
                return v;
            } catch (NumberFormatException e) {
                throw usage(option + " " + s + ": not a whole number >= 0");
            }
        }

        /** picocli passes a ParameterException from a setter on as it is; any other exception it would wrap. */
        private ParameterException usage(String message) {
            return new ParameterException(spec.commandLine(), message);
        }
    }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(execute(args, System.out, System.err));
    }

    /** Parses {@code args} and runs the benchmark; returns the exit code (see the class comment; 2: bad usage). */
    static int execute(String[] args, PrintStream out, PrintStream err) {
        Options o;
        try {
            o = parse(args);
        } catch (IllegalArgumentException e) {
            err.println("jmultifd bench: " + e.getMessage());
            err.println("Try 'bench/run-bench.sh --help' for usage.");
            return 2;
        }
        if (o == null) {
            commandLine(new Options()).usage(out);
            return 0;
        }
        try {
            return new Harness().run(o);
        } catch (Exception e) {
            // E.g. an --out that cannot be created, or an --image that is no guest image: the reason, no stack trace.
            err.println("jmultifd bench: error: " + GuestImageBuilder.reason(e));
            return 1;
        }
    }

    /**
     * The options of {@code args}; null when they ask for the help. A bad command line throws an
     * IllegalArgumentException whose message names the option and the value.
     */
    static Options parse(String[] args) {
        // The help wins over anything else on the line, bad values included.
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) return null;
        Options o = new Options();
        ParseResult given;
        try {
            given = commandLine(o).parseArgs(args);
            o.applyQuick(given);
            o.applyHints(given);
            o.applySnapshot(given);
            o.applyTls(given);
            o.applyVsQemu(given);
            o.checkTogether();
        } catch (UnmatchedArgumentException e) {
            List<String> suggestions = e.getSuggestions();
            throw new IllegalArgumentException("unknown argument " + e.getUnmatched().getFirst()
                    + (suggestions.isEmpty() ? "" : " (did you mean " + String.join(" or ", suggestions) + "?)"));
        } catch (MissingParameterException e) {
            String option = e.getMissing().getFirst() instanceof OptionSpec spec ? spec.longestName() : e.getMessage();
            throw new IllegalArgumentException(option + " needs a value");
        } catch (ParameterException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        return o;
    }

    static CommandLine commandLine(Options o) {
        CommandLine cl = new CommandLine(o);
        // A repeated option takes its last value (a script can append an override); @FILE is a plain value, e.g.
        // of --machine-note, never a file of arguments.
        cl.setOverwrittenOptionsAllowed(true);
        cl.setExpandAtFiles(false);
        return cl;
    }

    // ------------------------------------------------------------------------------------------------ run

    private final List<String> failures = new ArrayList<>();

    int run(Options o) throws Exception {
        if (o.hints) return runHints(o);
        if (o.vsQemu) return VsQemuRun.run(o, failures);
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
        settings.put("snapshot", o.snapshot);
        settings.put("tls", o.tls);
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
        if (o.snapshot) return snapshotOnly(o, out, results, imagePath);
        if (o.tls) return TlsBenchmark.alone(o, out, results, imagePath, failures);

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
                                    + warm.source().get("total-time") + " ms");
                            if (!"completed".equals(warm.source().get("status"))) {
                                failures.add("loopback warm-up migration: " + warm.source().get("error-desc"));
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
            if (o.quick && !o.skipMigrations) {
                // The smoke test's snapshot case: the small image saved and restored by every layout, channel count
                // and direct-io setting, one live save per layout; the page cache is left alone (a smoke test).
                results.put("snapshot", new SnapshotBench(snapshotSettings(o, out, imagePath, results, false),
                        failures).run());
                // ... and its TLS case: none and qpl on one channel, TLS off and on, no warm-up.
                step("TLS smoke case: " + TlsBenchmark.METHODS + ", 1 channel, TLS off and on");
                results.put("tls", new TlsBenchmark(failures).run(pages.image(), new TlsBenchmark.Settings(1,
                        TlsBenchmark.METHODS, List.of(1), o.dirtyRate, false), out));
            }
        }

        results.put("figures", Report.figures(results));
        results.put("failures", failures);
        Files.writeString(out.resolve("results.json"), JSON.writeValueAsString(results));
        String table = Report.tableMarkdown(results);
        String fullTable = results.get("snapshot") instanceof Map<?, ?> snap
                ? table + "\n" + SnapshotReport.table(cast(snap)) : table;
        if (results.get("tls") instanceof Map<?, ?> tls) fullTable += "\n### TLS\n\n" + TlsReport.table(cast(tls));
        Files.writeString(out.resolve("table.md"), fullTable);
        List<Path> plots = Report.plots(results, out);
        System.out.println();
        System.out.println(fullTable);

        int exit = compareWithOld(o, results);
        if (o.writeDocs) {
            Path docs = Report.writeDocs(o.repo, results, table, plots);
            System.out.println("wrote " + docs);
        }
        System.out.println("results in " + out);
        // The images are large and rebuilt from the recipe on demand; keep the results folder small.
        if (o.image == null) Files.deleteIfExists(imagePath);
        // bench-pages.img (16 MiB) stays: it lets anyone rerun the C reference on the very pages measured.
        Files.deleteIfExists(out.resolve("zero-scan-pages.img"));
        return exitCode(failures, exit);
    }

    /** With --compare: prints every figure more than 10 % worse than OLD.json; 1 if so and --fail-on-regression. */
    static int compareWithOld(Options o, Map<String, Object> results) throws IOException {
        if (o.compare == null) return 0;
        List<String> worse = Report.compare(JSON.readTree(o.compare.toFile()), JSON.readTree(JSON.writeValueAsString(results)), REGRESSION);
        if (worse.isEmpty()) {
            System.out.println("compared with " + o.compare + ": no figure is more than 10% worse");
            return 0;
        }
        System.out.println("WORSE than " + o.compare + " by more than 10% (" + worse.size() + " figures):");
        worse.forEach(w -> System.out.println("  WORSE " + w));
        return o.failOnRegression ? 1 : 0;
    }

    /**
     * {@code --hints}: the free-page hint benchmark alone ({@link FreePageHintBenchmark}); results.json and
     * table.md as a full run writes them, and with {@code --write-docs} its section of docs/benchmarks.md.
     */
    private int runHints(Options o) throws Exception {
        Instant started = Instant.now();
        String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(started);
        Path out = o.out != null ? o.out : o.repo.resolve("results").resolve(stamp);
        Files.createDirectories(out);
        long size = GuestImageBuilder.parseSize(o.hintsSize);
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("date", DateTimeFormatter.ISO_INSTANT.format(started));
        results.put("command", o.command);
        results.put("machine", Machine.describe(o.machineNote));
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("mode", "free-page-hints");
        settings.put("guest_size", size);
        settings.put("free_percent", FreePageHintBenchmark.FREE_PERCENT);
        settings.put("repetitions", o.repetitions);
        settings.put("methods", o.hintsMethods);
        settings.put("channels", o.hintsChannels);
        settings.put("workload_dirty_rate_MBps", o.dirtyRate);
        results.put("settings", settings);
        step("free-page hints: " + o.hintsSize + " guest, " + FreePageHintBenchmark.FREE_PERCENT + "% free, idle and "
                + "with a " + o.dirtyRate + " MB/s workload, hints on and off, methods " + o.hintsMethods + " x channels "
                + o.hintsChannels + " x " + o.repetitions + " repetitions");
        List<Map<String, Object>> configs;
        try (FreePageHintBenchmark benchmark = new FreePageHintBenchmark(failures)) {
            configs = benchmark.run(new FreePageHintBenchmark.Settings(size, o.repetitions, o.hintsMethods,
                    o.hintsChannels, o.dirtyRate));
        }
        results.put("load_average_at_end", Machine.loadAverage());
        results.put("free_page_hints", configs);
        results.put("figures", FreePageHintReport.figures(configs));
        results.put("failures", failures);
        Files.writeString(out.resolve("results.json"), JSON.writeValueAsString(results));
        String section = FreePageHintReport.section(results);
        Files.writeString(out.resolve("table.md"), section);
        System.out.println();
        System.out.println(section);
        int exit = compareWithOld(o, results);
        if (o.writeDocs) System.out.println("wrote " + FreePageHintReport.writeDocs(o.repo, results));
        System.out.println("results in " + out);
        return exitCode(failures, exit);
    }

    /** {@code --snapshot}: the snapshot benchmark alone on the image; results.json, table.md, docs section. */
    private int snapshotOnly(Options o, Path out, Map<String, Object> results, Path imagePath) throws Exception {
        try {
            results.put("snapshot", new SnapshotBench(snapshotSettings(o, out, imagePath, results,
                    !o.noDropCaches && !o.quick),
                    failures).run());
        } finally {
            if (o.image == null) Files.deleteIfExists(imagePath);
        }
        results.put("failures", failures);
        Files.writeString(out.resolve("results.json"), JSON.writeValueAsString(results));
        String table = SnapshotReport.table(cast(results.get("snapshot")));
        Files.writeString(out.resolve("table.md"), table);
        System.out.println();
        System.out.println(table);
        if (o.writeDocs) System.out.println("wrote " + SnapshotReport.writeDocs(o.repo, results));
        System.out.println("results in " + out);
        return exitCode(failures, 0);
    }

    /** Lists the failures of a run; 1 when there are any, else {@code exit}. */
    static int exitCode(List<String> failures, int exit) {
        if (failures.isEmpty()) return exit;
        System.out.println("FAILED (" + failures.size() + "):");
        failures.forEach(f -> System.out.println("  FAILED " + f));
        return 1;
    }

    private static SnapshotBench.Settings snapshotSettings(Options o, Path out, Path imagePath, Map<String, Object> results,
                                                           boolean dropCaches) {
        String sha256 = String.valueOf(((Map<?, ?>) results.get("image")).get("sha256"));
        Path dir = o.snapshotDir != null ? o.snapshotDir.toAbsolutePath() : out.toAbsolutePath();
        return new SnapshotBench.Settings(imagePath.toAbsolutePath(), sha256, dir, o.snapshotMethods, o.channels,
                o.snapshotDirectIo, o.repetitions, o.dirtyRate, dropCaches, o.qemuChroot == null ? null : o.qemuChroot.toAbsolutePath(), o.repo);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Object map) {
        return (Map<String, Object>) map;
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
                        config.channels(), config.bandwidthLabel(), rep + 1, status, r.source().get("total-time"),
                        ((Number) Report.field(r.source(), "ram.mbps")).doubleValue());
                String broken = brokenRun(r);
                if (broken != null) failures.add("migration " + config.key() + " rep " + (rep + 1) + ": " + broken);
            } catch (Exception e) {
                // Recorded as a failure of the run and listed at its end; no stack trace for the operator.
                String failure = "migration " + config.key() + " rep " + (rep + 1) + ": " + e;
                failures.add(failure);
                System.out.println("  " + failure);
            }
        }
        return Report.configSummary(config, runs);
    }

    /** Null when both sides completed with matching checksums, else what went wrong (the smoke test's gate). */
    static String brokenRun(Migrations.Run r) {
        Object source = r.source().get("status"), destination = r.destination().get("status");
        if (!"completed".equals(source) || !"completed".equals(destination)) {
            return "source " + source + " (" + r.source().get("error-desc") + "), destination " + destination + " ("
                    + r.destination().get("error-desc") + ")";
        }
        // The engine fails a migration whose checksums differ; this checks that it said so on both sides.
        Object sourceMatch = Report.field(r.source(), "jmultifd.checksum-match");
        Object destinationMatch = Report.field(r.destination(), "jmultifd.checksum-match");
        if (!Boolean.TRUE.equals(sourceMatch) || !Boolean.TRUE.equals(destinationMatch)) {
            return "completed but checksum-match is " + sourceMatch + " (source) / " + destinationMatch + " (destination)";
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

    static Map<String, Object> compositionMap(GuestImageBuilder.Composition c) {
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

    static void step(String what) {
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

        /** /proc/loadavg as it is now, e.g. at the end of a run. */
        static String loadAverage() {
            try {
                return Files.readString(Path.of("/proc/loadavg")).trim();
            } catch (IOException e) {
                return "unknown";
            }
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
