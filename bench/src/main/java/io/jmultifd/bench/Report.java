package io.jmultifd.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Medians, yardstick ratios, the flat figure list for --compare, the markdown table, plots and the docs page. */
final class Report {
    private Report() {}

    // ------------------------------------------------------------------------------------ migrations

    static Map<String, Object> configSummary(Migrations.Config config, List<Migrations.Run> runs) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", config.variant());
        m.put("channels", config.channels());
        m.put("max_bandwidth", config.maxBandwidth());
        List<Map<String, Object>> raw = new ArrayList<>();
        List<Map<String, Double>> derived = new ArrayList<>();
        for (Migrations.Run r : runs) {
            raw.add(Map.of("source", r.source(), "destination", r.destination()));
            if (!"completed".equals(r.source().get("status")) || !"completed".equals(r.destination().get("status"))) continue;
            derived.add(derive(r));
        }
        m.put("completed_runs", derived.size());
        Map<String, Double> median = new LinkedHashMap<>();
        if (!derived.isEmpty()) {
            for (String key : derived.getFirst().keySet()) {
                median.put(key, median(derived.stream().map(d -> d.getOrDefault(key, 0.0)).toList()));
            }
        }
        m.put("median", median);
        // The fastest repetition, for the loopback yardstick (compared with the C copy's fastest repeat).
        m.put("best_mbps", derived.stream().mapToDouble(d -> d.get("mbps")).max().orElse(0));
        m.put("runs", raw);
        return m;
    }

    /** The table's figures of one run; pages_* counters of the method (tiers, raw) are kept as tier_ entries. */
    static Map<String, Double> derive(Migrations.Run r) {
        Map<String, Object> s = r.source(), d = r.destination();
        Map<String, Double> x = new LinkedHashMap<>();
        // The engine's report is QEMU's query-migrate shape (MigrationInfo); the bench's figures keep their names.
        double total = num(s, "total-time");
        x.put("total_time_ms", total);
        x.put("downtime_ms", num(s, "downtime"));
        x.put("mbps", num(s, "ram.mbps"));
        x.put("pages_per_s", num(s, "ram.pages-per-second"));
        x.put("cpu_source_pct", total > 0 ? 100 * num(s, "jmultifd.cpu-time") / total : 0);
        double dTotal = num(d, "total-time");
        x.put("cpu_destination_pct", dTotal > 0 ? 100 * num(d, "jmultifd.cpu-time") / dTotal : 0);
        double compressed = num(s, "compression.compressed-size");
        x.put("compression_ratio", compressed > 0 ? num(s, "ram.normal") * BenchPages.PAGE / compressed : 0);
        x.put("transferred_bytes", num(s, "ram.transferred"));
        if (field(s, "jmultifd.method-statistics") instanceof Map<?, ?> stats) {
            stats.forEach((k, v) -> {
                if (String.valueOf(k).startsWith("pages_") && v instanceof Number n) x.put("tier_" + k, n.doubleValue());
            });
        }
        return x;
    }

    private static double num(Map<String, Object> m, String path) {
        return field(m, path) instanceof Number n ? n.doubleValue() : 0;
    }

    /** A field of an engine report by its dotted path, e.g. "ram.mbps"; null when absent. */
    static Object field(Map<String, Object> report, String path) {
        Object v = report;
        for (String name : path.split("\\.")) {
            if (!(v instanceof Map<?, ?> m)) {
                return null;
            }
            v = m.get(name);
        }
        return v;
    }

    static double median(List<Double> values) {
        List<Double> s = values.stream().sorted().toList();
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    // ------------------------------------------------------------------------------------ yardsticks

    static List<Map<String, Object>> yardstickRatios(Yardsticks.Outcome cQpl, Yardsticks.Outcome cZero,
            Yardsticks.Outcome cCopy, PageCodecBenchmark.Outcome software, List<MicroBenchmarks.Row> rows,
            List<Map<String, Object>> matrix, List<Map<String, Object>> loopback, List<String> failures) {
        List<Map<String, Object>> list = new ArrayList<>();
        // Best against best: the C programs print their fastest repeat; on a shared machine the fastest
        // JMH iteration is the comparable Java figure (the tables keep JMH's mean).
        Double swCompress = best(rows, "PageCodecBenchmark.compress", "tier", "software");
        Double swDecompress = best(rows, "PageCodecBenchmark.decompress", "tier", "software");
        if (cQpl.ok() && software != null) {
            if (swCompress != null) {
                list.add(ratio("qpl software compress, pages/s: Java FFM / C reference", swCompress,
                        cQpl.number("compress_pages_per_s"), 0.95));
            }
            if (swDecompress != null) {
                // JMH counts all pages per invocation; C counts only the non-raw pages it inflates.
                double javaInflated = swDecompress * (software.pages() - software.raw()) / software.pages();
                list.add(ratio("qpl software decompress, pages/s: Java FFM / C reference", javaInflated,
                        cQpl.number("decompress_pages_per_s"), 0.95));
            }
            double javaRatio = Harness.round3(software.ratio());
            double cRatio = cQpl.number("ratio");
            Map<String, Object> same = new LinkedHashMap<>();
            same.put("name", "qpl software compression ratio: Java FFM vs C reference (must be equal)");
            same.put("ours", javaRatio);
            same.put("c", cRatio);
            same.put("ratio", Harness.round3(javaRatio / cRatio));
            same.put("goal", "equal");
            same.put("met", Math.abs(javaRatio - cRatio) < 0.0005 && software.raw() == (long) cQpl.number("raw"));
            if (!(Boolean) same.get("met")) {
                failures.add("compression ratio of the FFM qpl software path " + javaRatio + " (raw " + software.raw()
                        + ") differs from the C reference's " + cRatio + " (raw " + cQpl.figures().get("raw") + ")");
            }
            list.add(same);
        } else {
            list.add(missing("qpl software: Java FFM / C reference", cQpl.ok() ? "the FFM software tier gave no figures" : cQpl.problem()));
        }
        Double bestNone = null;
        for (Map<String, Object> cfg : loopback) {
            double mbps = ((Number) cfg.get("best_mbps")).doubleValue();
            if (mbps > 0 && (bestNone == null || mbps > bestNone)) bestNone = mbps;
        }
        if (cCopy.ok() && bestNone != null) {
            list.add(ratio("loopback Mbit/s: fastest `none` migration of the loopback guest (any channel count or destination memory) / plain C"
                    + " socket copy of as many bytes", bestNone, cCopy.number("copy_Mbitps"), 0.8));
        } else {
            list.add(missing("loopback: none / C socket copy", cCopy.ok() ? "no completed `none` loopback migration" : cCopy.problem()));
        }
        Double zero = best(rows, "ZeroPageBenchmark.scan", null, null);
        if (cZero.ok() && zero != null) {
            list.add(ratio("zero-page check, bytes/s: Java (ZeroPages.isZero) / C memcmp scan", zero * BenchPages.PAGE,
                    cZero.number("scan_bytes_per_s"), 0.8));
        } else {
            list.add(missing("zero-page check: Java / C", cZero.ok() ? "ZeroPageBenchmark gave no result" : cZero.problem()));
        }
        list.add(channelScaling(matrix));
        list.add(senderScaling(rows));
        return list;
    }

    /** The method whose channel scaling is a goal (the "qpl on the software path, 2 channels vs 1"). */
    static final String SCALED_METHOD = "qpl-software";
    static final String SENDER_SCALING = "qpl software sender, pages/s (JMH MethodBenchmark.compress, own channel "
            + "state per thread): 2 threads / 1 thread";

    /**
     * The source side alone: two channels' senders on the two cores, as when the destination is another host.
     * The migrations above cannot show this here, since both ends share the same two cores.
     */
    static Map<String, Object> senderScaling(List<MicroBenchmarks.Row> rows) {
        Double one = null, two = null;
        for (MicroBenchmarks.Row r : rows) {
            if (!r.benchmark().equals("MethodBenchmark.compress") || !SCALED_METHOD.equals(r.params().get("method"))
                    || !"image".equals(r.params().get("data"))) continue;
            if (r.params().get("threads") == null) one = r.opsPerSecond();
            else if ("2".equals(r.params().get("threads"))) two = r.opsPerSecond();
        }
        if (one == null || two == null || one <= 0) {
            return missing("qpl software sender: 2 threads / 1 thread",
                    "needs MethodBenchmark.compress of " + SCALED_METHOD + " with 1 and 2 threads");
        }
        return ratio(SENDER_SCALING, two, one, 1.7);
    }

    static boolean preallocated(Map<String, Object> loopbackConfig) {
        return Boolean.TRUE.equals(loopbackConfig.get("destination_prealloc"));
    }

    static final String MEMORY_COPY = "loopback Mbit/s, like for like: fastest `none` migration with a prealloc=true"
            + " destination / C socket copy between buffers of all the bytes in memory";

    /**
     * The migration's own work in C: read the source's memory, write into already backed destination memory
     * (the plain copy keeps both 1 MiB buffers in cache, which no migration of a 1 GiB guest can).
     */
    static Map<String, Object> memoryCopy(List<Map<String, Object>> loopback, Yardsticks.Outcome memoryCopy) {
        double best = 0;
        for (Map<String, Object> cfg : loopback) {
            if (preallocated(cfg)) best = Math.max(best, ((Number) cfg.get("best_mbps")).doubleValue());
        }
        if (best <= 0) return missing(MEMORY_COPY, "no completed `none` loopback migration with prealloc=true");
        return ratio(MEMORY_COPY, best, memoryCopy.number("copy_Mbitps"), 0.8);
    }

    /** Context next to the loopback ratio: the same copy when the receiver fills fresh memory. No goal. */
    static Map<String, Object> context(List<Map<String, Object>> loopback, Yardsticks.Outcome freshCopy) {
        double best = 0;
        for (Map<String, Object> cfg : loopback) {
            if (!preallocated(cfg)) best = Math.max(best, ((Number) cfg.get("best_mbps")).doubleValue());
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", "context: fastest `none` loopback migration, lazy destination memory (the default) / C socket copy into"
                + " fresh memory (first-touch faults included)");
        m.put("ours", Math.round(best));
        m.put("c", Math.round(freshCopy.number("copy_Mbitps")));
        m.put("ratio", Harness.round3(best / freshCopy.number("copy_Mbitps")));
        m.put("goal", "context");
        m.put("met", null);
        return m;
    }

    static final String SCALING = "qpl software, unlimited bandwidth, pages/s (median): 2 channels / 1 channel";

    /** The software path's gain from a second channel: 2-channel over 1-channel median pages/s, unlimited. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> channelScaling(List<Map<String, Object>> matrix) {
        Double one = null, two = null;
        for (Map<String, Object> cfg : matrix) {
            if (!"qpl-software".equals(cfg.get("method")) || ((Number) cfg.get("max_bandwidth")).longValue() != 0) continue;
            Double pps = ((Map<String, Double>) cfg.get("median")).get("pages_per_s");
            int channels = ((Number) cfg.get("channels")).intValue();
            if (channels == 1) one = pps;
            if (channels == 2) two = pps;
        }
        if (one == null || two == null || one <= 0) {
            return missing("qpl software: 2 channels / 1 channel",
                    "needs completed unlimited qpl-software migrations with 1 and 2 channels");
        }
        return ratio(SCALING, two, one, 1.7);
    }

    private static Map<String, Object> ratio(String name, double ours, double c, double goal) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("ours", Math.round(ours));
        m.put("c", Math.round(c));
        m.put("ratio", Harness.round3(ours / c));
        m.put("goal", ">= " + goal);
        m.put("met", ours / c >= goal);
        return m;
    }

    private static Map<String, Object> missing(String name, String why) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("missing", why);
        return m;
    }

    private static Double best(List<MicroBenchmarks.Row> rows, String benchmark, String param, String value) {
        for (MicroBenchmarks.Row r : rows) {
            if (r.benchmark().equals(benchmark) && (param == null || value.equals(r.params().get(param)))) return r.best();
        }
        return null;
    }

    // ------------------------------------------------------------------------------------ figures + compare

    /** Every comparable figure, named stably, with the direction that is better. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> figures(Map<String, Object> results) {
        Map<String, Object> f = new TreeMap<>();
        Object jmh = results.get("jmh");
        if (jmh instanceof List<?> rows) {
            for (Object o : rows) {
                Map<String, Object> r = (Map<String, Object>) o;
                StringBuilder name = new StringBuilder("jmh/" + r.get("benchmark"));
                ((Map<String, String>) r.get("params")).forEach((k, v) -> name.append('/').append(v));
                f.put(name + "/pages_per_s", fig(((Number) r.get("pages_per_s")).doubleValue(), "higher"));
            }
        }
        for (Map<String, Object> cfg : (List<Map<String, Object>>) results.getOrDefault("migrations", List.of())) {
            String base = "migration/" + cfg.get("method") + "/ch" + cfg.get("channels") + "/bw"
                    + cfg.get("max_bandwidth") + "/";
            ((Map<String, Double>) cfg.get("median")).forEach((k, v) -> {
                if (k.startsWith("tier_") || k.equals("transferred_bytes")) return;
                String better = switch (k) {
                    case "mbps", "pages_per_s", "compression_ratio" -> "higher";
                    default -> "lower";
                };
                f.put(base + k, fig(v, better));
            });
        }
        for (Map<String, Object> cfg : (List<Map<String, Object>>) results.getOrDefault("loopback_none", List.of())) {
            Object mbps = ((Map<String, Double>) cfg.get("median")).get("mbps");
            if (mbps instanceof Number n) f.put("loopback_none/ch" + cfg.get("channels") + (preallocated(cfg) ? "/prealloc" : "")
                    + "/mbps", fig(n.doubleValue(), "higher"));
        }
        for (Map<String, Object> y : (List<Map<String, Object>>) results.getOrDefault("yardstick_ratios", List.of())) {
            if (y.get("ratio") instanceof Number n && !"equal".equals(y.get("goal")) && !"context".equals(y.get("goal"))) {
                f.put("yardstick/" + y.get("name"), fig(n.doubleValue(), "higher"));
            }
        }
        return f;
    }

    private static Map<String, Object> fig(double value, String better) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("value", value);
        m.put("better", better);
        return m;
    }

    /** Figures present in both that are worse by more than {@code tolerance} (0.10 = 10%). */
    static List<String> compare(JsonNode old, JsonNode now, double tolerance) {
        List<String> worse = new ArrayList<>();
        JsonNode oldFigures = old.path("figures");
        if (!oldFigures.isObject()) {
            worse.add("the old file has no \"figures\" object: not a results.json of this harness");
            return worse;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = now.path("figures").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode o = oldFigures.path(e.getKey());
            if (!o.isObject()) continue;
            double before = o.path("value").asDouble(), after = e.getValue().path("value").asDouble();
            boolean higherBetter = "higher".equals(e.getValue().path("better").asText());
            double change = before == 0 ? 0 : (after - before) / Math.abs(before);
            boolean isWorse = higherBetter ? change < -tolerance : change > tolerance;
            if (isWorse) {
                worse.add(String.format(Locale.ROOT, "%s: %.4g -> %.4g (%+.1f%%, %s is better)", e.getKey(), before,
                        after, 100 * change, higherBetter ? "higher" : "lower"));
            }
        }
        return worse;
    }

    // ------------------------------------------------------------------------------------ markdown

    @SuppressWarnings("unchecked")
    static String tableMarkdown(Map<String, Object> results) {
        StringBuilder sb = new StringBuilder();
        List<Map<String, Object>> matrix = (List<Map<String, Object>>) results.getOrDefault("migrations", List.of());
        if (!matrix.isEmpty()) {
            sb.append("### Migrations (median of ").append(((Map<String, Object>) results.get("settings")).get("repetitions"))
                    .append(" repetitions)\n\n");
            sb.append("| method | channels | max-bandwidth | total time (ms) | downtime (ms) | network (Mbit/s) | pages/s "
                    + "| CPU source (%) | CPU destination (%) | compression ratio | pages per tier |\n");
            sb.append("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
            for (Map<String, Object> cfg : matrix) {
                Map<String, Double> m = (Map<String, Double>) cfg.get("median");
                long bw = ((Number) cfg.get("max_bandwidth")).longValue();
                String bwLabel = bw == 0 ? "unlimited" : String.format(Locale.ROOT, "%.0f Mbit/s", bw * 8 / 1e6);
                if (m.isEmpty()) {
                    sb.append("| ").append(cfg.get("method")).append(" | ").append(cfg.get("channels")).append(" | ")
                            .append(bwLabel).append(" | FAILED | | | | | | | |\n");
                    continue;
                }
                StringBuilder tiers = new StringBuilder();
                m.forEach((k, v) -> {
                    if (k.startsWith("tier_pages_")) {
                        if (!tiers.isEmpty()) tiers.append(", ");
                        tiers.append(k.substring("tier_pages_".length())).append('=').append(Math.round(v));
                    }
                });
                sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.2f | %s |%n",
                        cfg.get("method"), cfg.get("channels"), bwLabel, m.get("total_time_ms"), m.get("downtime_ms"),
                        m.get("mbps"), m.get("pages_per_s"), m.get("cpu_source_pct"), m.get("cpu_destination_pct"),
                        m.get("compression_ratio"), tiers.isEmpty() ? "" : tiers));
            }
            sb.append('\n');
        }
        if (results.get("jmh") instanceof List<?> rows && !rows.isEmpty()) {
            sb.append("### Micro-benchmarks (JMH ").append(((Map<String, Object>) results.get("settings")).get("jmh"))
                    .append(", one thread, zero pages skipped; data = the guest image or a synthetic mix)\n\n");
            sb.append("| benchmark | parameters | pages/s | ± (99.9%) | MB/s |\n|---|---|---:|---:|---:|\n");
            for (Object o : rows) {
                Map<String, Object> r = (Map<String, Object>) o;
                sb.append(String.format(Locale.ROOT, "| %s | %s | %d | %d | %.1f |%n", r.get("benchmark"),
                        r.get("params").toString().replaceAll("[{}]", ""), ((Number) r.get("pages_per_s")).longValue(),
                        ((Number) r.get("error_pages_per_s")).longValue(), ((Number) r.get("bytes_per_s")).doubleValue() / 1e6));
            }
            sb.append('\n');
        }
        if (results.get("compression_ratios") instanceof Map<?, ?> cr && !cr.isEmpty()) {
            sb.append("### Compression ratios (one pass over the benchmark pages)\n\n| what | ratio |\n|---|---:|\n");
            cr.forEach((k, v) -> sb.append("| ").append(k).append(" | ")
                    .append(v instanceof Map<?, ?> vm ? vm.get("ratio") + " (raw " + vm.get("raw") + " of " + vm.get("pages") + ")" : v)
                    .append(" |\n"));
            sb.append('\n');
        }
        List<Map<String, Object>> loopback = (List<Map<String, Object>>) results.getOrDefault("loopback_none", List.of());
        if (!loopback.isEmpty()) {
            sb.append("### `none` over loopback TCP, ").append(((Map<String, Object>) results.get("settings")).get("loopback_none_size"))
                    .append(" guest, no workload (median; best = fastest repetition)\n\n");
            sb.append("| destination memory | channels | total time (ms) | network (Mbit/s) | best (Mbit/s) | CPU source (%) | CPU destination (%) |\n");
            sb.append("|---|---:|---:|---:|---:|---:|---:|\n");
            for (Map<String, Object> cfg : loopback) {
                Map<String, Double> m = (Map<String, Double>) cfg.get("median");
                String memory = preallocated(cfg) ? "prealloc" : "lazy";
                if (m.isEmpty()) {
                    sb.append("| ").append(memory).append(" | ").append(cfg.get("channels")).append(" | FAILED | | | | |\n");
                    continue;
                }
                sb.append(String.format(Locale.ROOT, "| %s | %s | %.0f | %.0f | %.0f | %.0f | %.0f |%n", memory, cfg.get("channels"),
                        m.get("total_time_ms"), m.get("mbps"), ((Number) cfg.get("best_mbps")).doubleValue(),
                        m.get("cpu_source_pct"), m.get("cpu_destination_pct")));
            }
            sb.append('\n');
        }
        sb.append("### Yardsticks (measured in the same run)\n\n| ratio | ours | reference | ratio | goal | met |\n|---|---:|---:|---:|---|---|\n");
        for (Map<String, Object> y : (List<Map<String, Object>>) results.getOrDefault("yardstick_ratios", List.of())) {
            yardstickRow(sb, y);
        }
        return sb.toString();
    }

    private static void yardstickRow(StringBuilder sb, Map<String, Object> y) {
        if (y.containsKey("missing")) {
            sb.append("| ").append(y.get("name")).append(" | | | MISSING: ").append(y.get("missing")).append(" | | |\n");
        } else {
            sb.append("| ").append(y.get("name")).append(" | ").append(y.get("ours")).append(" | ").append(y.get("c"))
                    .append(" | ").append(y.get("ratio")).append(" | ").append(y.get("goal")).append(" | ")
                    .append(y.get("met") == null ? "-" : Boolean.TRUE.equals(y.get("met")) ? "yes" : "**no**").append(" |\n");
        }
    }

    // ------------------------------------------------------------------------------------ plots

    @SuppressWarnings("unchecked")
    static List<Path> plots(Map<String, Object> results, Path out) throws IOException {
        List<Map<String, Object>> matrix = (List<Map<String, Object>>) results.getOrDefault("migrations", List.of());
        List<Path> written = new ArrayList<>();
        if (matrix.isEmpty()) return written;
        List<Long> bandwidths = matrix.stream().map(c -> ((Number) c.get("max_bandwidth")).longValue()).distinct().toList();
        for (long bw : bandwidths) {
            String suffix = bw == 0 ? "unlimited" : (bw * 8 / 1_000_000) + "mbit";
            String bwTitle = bw == 0 ? "unlimited bandwidth" : "max-bandwidth " + (bw * 8 / 1_000_000) + " Mbit/s";
            written.add(plot(matrix, bw, "mbps", "network throughput vs channels (" + bwTitle + ")", "Mbit/s",
                    out.resolve("throughput-vs-channels-" + suffix + ".png")));
            written.add(plot(matrix, bw, "pages_per_s", "guest pages migrated per second vs channels (" + bwTitle + ")",
                    "pages/s (4 KiB pages, zero pages included)", out.resolve("pages-vs-channels-" + suffix + ".png")));
            written.add(plot(matrix, bw, "cpu_source_pct", "source CPU vs channels (" + bwTitle + ")",
                    "CPU of migration threads, % of one core", out.resolve("cpu-source-vs-channels-" + suffix + ".png")));
            written.add(plot(matrix, bw, "cpu_destination_pct", "destination CPU vs channels (" + bwTitle + ")",
                    "CPU of migration threads, % of one core", out.resolve("cpu-destination-vs-channels-" + suffix + ".png")));
        }
        return written;
    }

    @SuppressWarnings("unchecked")
    private static Path plot(List<Map<String, Object>> matrix, long bw, String key, String title, String yTitle, Path file)
            throws IOException {
        XYChart chart = new XYChartBuilder().width(800).height(500).title(title).xAxisTitle("multifd-channels")
                .yAxisTitle(yTitle).build();
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideE);
        chart.getStyler().setXAxisDecimalPattern("0");
        Map<String, List<double[]>> byMethod = new LinkedHashMap<>();
        for (Map<String, Object> cfg : matrix) {
            if (((Number) cfg.get("max_bandwidth")).longValue() != bw) continue;
            Map<String, Double> m = (Map<String, Double>) cfg.get("median");
            if (!m.containsKey(key)) continue;
            byMethod.computeIfAbsent((String) cfg.get("method"), k -> new ArrayList<>())
                    .add(new double[] {((Number) cfg.get("channels")).doubleValue(), m.get(key)});
        }
        byMethod.forEach((method, points) -> {
            double[] x = points.stream().mapToDouble(p -> p[0]).toArray();
            double[] y = points.stream().mapToDouble(p -> p[1]).toArray();
            chart.addSeries(method, x, y).setMarker(SeriesMarkers.CIRCLE);
        });
        if (byMethod.isEmpty()) chart.addSeries("no completed runs", new double[] {1}, new double[] {0});
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
        return file;
    }

    // ------------------------------------------------------------------------------------ docs

    /** The lines every generated section starts with: the command, date, machine, load and the run's note. */
    @SuppressWarnings("unchecked")
    static void runHeader(StringBuilder sb, Map<String, Object> results) {
        Map<String, Object> machine = (Map<String, Object>) results.get("machine");
        sb.append("- **Command:** `").append(results.get("command")).append("`\n");
        sb.append("- **Date:** ").append(results.get("date")).append('\n');
        sb.append("- **Machine:** ").append(machine.get("cores")).append(" cores, ").append(machine.get("cpu_model"))
                .append(", ").append(machine.get("memory")).append(", ").append(machine.get("os")).append(", ")
                .append(machine.get("java")).append('\n');
        sb.append("- **Load average at start:** ").append(machine.get("load_average_at_start")).append('\n');
        if (machine.get("note") instanceof String note && !note.isBlank()) sb.append("- **Note:** ").append(note).append('\n');
    }

    @SuppressWarnings("unchecked")
    static Path writeDocs(Path repo, Map<String, Object> results, String table, List<Path> plots) throws IOException {
        Path docs = repo.resolve("docs");
        Path img = docs.resolve("img");
        Files.createDirectories(img);
        Map<String, Object> image = (Map<String, Object>) results.get("image");
        Map<String, Object> settings = (Map<String, Object>) results.get("settings");
        StringBuilder sb = new StringBuilder();
        sb.append("# Benchmarks\n\n");
        sb.append("Generated by the benchmark harness (`--write-docs`); do not edit by hand: rerun the command below.\n\n");
        Report.runHeader(sb, results);
        sb.append("- **Settings:** ").append(settings.get("repetitions")).append(" repetition(s) per configuration (median"
                + " reported), workload dirtying ").append(settings.get("workload_dirty_rate_MBps"))
                .append(" MB/s during each migration (force-converge=true), JMH `").append(settings.get("jmh")).append("`\n");
        sb.append("- **Guest image:** ").append(image.get("size")).append(" bytes, sha256 `").append(image.get("sha256"))
                .append("`, ").append(image.get("zero_pages")).append(" zero pages of ").append(image.get("pages"))
                .append("; bytes per kind ").append(image.get("bytes_per_kind")).append('\n');
        sb.append("\nThe guest image is built by `bench/make-guest-image.sh` from files already on the machine (text from "
                + "/usr/share/doc, man pages and licences; executables and shared libraries; the JDK's lib/modules; "
                + "zoneinfo, mime, dpkg and locale data; about 10% zero pages), with a fixed recipe. The same machine image "
                + "gives the same bytes; machines with other package versions give other bytes, so figures from "
                + "different machines are comparable only roughly.\n\n");
        sb.append("Migrations run over loopback TCP (127.0.0.1) with source and destination engines in one JVM "
                + "(the destination on its own thread), so both sides and the workload share the machine's cores. "
                + "CPU % is `cpu_time_ms / total_time_ms * 100` of each side's engine threads (100% = one core). "
                + "Network Mbit/s is the source's `mbps`: transferred bytes over the transfer time (total minus setup, as QEMU computes its final throughput); pages/s likewise. Compression ratio = page "
                + "bytes / payload bytes of the data pages sent.\n\n");
        sb.append("The `none` loopback runs migrate a guest of ").append(settings.get("loopback_none_size"))
                .append(" (the image repeated) without a workload, after one unrecorded warm-up migration; the C socket "
                + "copy moves as many bytes. Micro-benchmark rows marked `data=synthetic:MIX` ran on the content of "
                + "`jmultifd migrate --synthetic 32M:MIX`");
        if (results.get("synthetic") instanceof Map<?, ?> syn && syn.get("skipped") != null) {
            sb.append(" (skipped in this run: ").append(syn.get("skipped")).append(')');
        }
        sb.append(".\n\n");
        sb.append(table.replace("### ", "## ")).append('\n');
        if (!plots.isEmpty()) {
            sb.append("## Plots\n\n");
            for (Path p : plots) {
                Path target = img.resolve("bench-" + p.getFileName());
                Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                sb.append("![").append(p.getFileName()).append("](img/").append(target.getFileName()).append(")\n\n");
            }
        }
        sb.append(FreePageHintReport.kept(docs.resolve("benchmarks.md"))); // --hints --write-docs owns that section
        String tls = TlsReport.SECTION.in(docs.resolve("benchmarks.md")); // and --tls --write-docs this one
        if (!tls.isEmpty()) sb.append(tls).append("\n\n");
        sb.append(PostcopyBenchmark.kept(docs.resolve("benchmarks.md"))); // measured by PostcopyBenchmark
        sb.append(VsQemuReport.kept(docs.resolve("benchmarks.md"))); // and --vs-qemu --write-docs this one
        sb.append("""
                ## How the yardsticks are measured

                - **qpl software, Java FFM / C:** `shared/reference/qpl_page_bench.c` (or its copy in `bench/native/reference/`), compiled with gcc -O2 against the
                  same libqpl, runs on a file holding exactly the pages `PageCodecBenchmark` uses (4096 non-zero pages
                  spread over the image): level 1, fixed Huffman, output capped at 4095 bytes, then inflate every
                  non-raw page. The compression ratios must be identical (same library, same pages).
                - **loopback, none / socket copy:** `bench/native/socket_copy.c` (C, two threads, 1 MiB write/read
                  buffers, as many bytes as the loopback guest) against `none` migrations of a guest of that size
                  (the guest image repeated; default 1 GiB) over 127.0.0.1, unlimited bandwidth, no workload, each
                  channel count of the matrix. Context (no goal): the same C copy when the receiver reads into a
                  fresh anonymous mapping of all the bytes, paying the first-touch page faults a migration
                  destination pays for fresh guest memory; the plain copy reuses one 1 MiB buffer.
                - **loopback like for like:** the same migrations with `prealloc=true` on the destination against
                  `socket_copy BYTES 3 memory`, which sends from and receives into buffers of all the bytes, both
                  written before timing: what a migration must do (read the source's memory, write the
                  destination's), while the plain copy's two 1 MiB buffers stay in cache.
                - **qpl software, 2 channels / 1 channel:** median pages/s of the unlimited `qpl-software` migrations
                  of the matrix. Source and destination engines share the machine's cores, so on 2 cores each side
                  has at most one core per channel only when the other side idles.
                - **qpl software sender, 2 threads / 1 thread:** the source side alone, as when the destination is
                  another host: JMH `MethodBenchmark.compress` of `qpl-software` run by 2 threads at once, each with
                  its own sender (a channel's method state) on its own packets, against 1 thread (JMH means).
                - **zero-page check, Java / C:** `bench/native/zero_scan.c` (memcmp of each 4 KiB page against a zero
                  page) against `ZeroPageBenchmark` (the engine's `ZeroPages.isZero`), both over the first 8192 pages
                  of the guest image, one core.
                - Every ratio compares best with best: the C programs print their fastest repeat (zero_scan: its
                  fastest block of passes), the Java side is JMH's fastest measurement iteration (the micro-benchmark
                  table shows JMH's mean) or the fastest repetition of the migration. On a shared machine the
                  fastest run is the one least disturbed by other work, on both sides.
                - Each C yardstick runs right before its Java counterpart, since the load of a shared machine drifts.
                """);
        if (results.get("failures") instanceof List<?> f && !f.isEmpty()) {
            sb.append("\n## Failures in this run\n\n");
            f.forEach(x -> sb.append("- ").append(x).append('\n'));
        }
        Path file = docs.resolve("benchmarks.md");
        // The snapshot benchmark's section is its own run's (bench/run-bench.sh --snapshot --write-docs): kept as it
        // was, unless this run measured snapshots itself.
        String snapshot = results.get("snapshot") != null
                ? SnapshotReport.BEGIN + "\n" + SnapshotReport.docsSection(results) + SnapshotReport.END + "\n"
                : Files.isRegularFile(file) ? SnapshotReport.markedSection(Files.readString(file)) : "";
        if (!snapshot.isEmpty()) sb.append('\n').append(snapshot);
        Files.writeString(file, sb.toString());
        Path plugin = repo.resolve("accel-plugin/README.md");
        if (Files.isRegularFile(plugin)) {
            String text = Files.readString(plugin);
            if (text.contains(PLUGIN_BEGIN)) {
                Files.writeString(plugin, replaceBetween(text, PLUGIN_BEGIN, PLUGIN_END, qplSection(results)));
                System.out.println("updated the generated Benchmark section of " + plugin);
            } else {
                System.out.println("note: " + plugin + " has no " + PLUGIN_BEGIN + " marker; its Benchmark section was not updated");
            }
        }
        return file;
    }

    static final String PLUGIN_BEGIN = "<!-- bench:qpl-software:begin (generated by bench/run-bench.sh --write-docs) -->";
    static final String PLUGIN_END = "<!-- bench:qpl-software:end -->";

    /** {@code text} with everything between the two marker lines replaced by {@code content}. */
    static String replaceBetween(String text, String begin, String end, String content) {
        int b = text.indexOf(begin);
        int e = text.indexOf(end);
        if (b < 0 || e < 0) throw new IllegalArgumentException("marker " + (b < 0 ? begin : end) + " not found");
        if (e < b) throw new IllegalArgumentException("marker " + end + " comes before " + begin);
        if (text.indexOf(begin, b + 1) >= 0) throw new IllegalArgumentException("marker " + begin + " appears twice");
        return text.substring(0, b + begin.length()) + "\n" + content + (content.endsWith("\n") ? "" : "\n") + text.substring(e);
    }

    /** The qpl software tier next to the C reference, for accel-plugin/README.md. */
    @SuppressWarnings("unchecked")
    static String qplSection(Map<String, Object> results) {
        Map<String, Object> machine = (Map<String, Object>) results.get("machine");
        StringBuilder sb = new StringBuilder();
        sb.append("Measured by `").append(results.get("command")).append("` on ").append(results.get("date"))
                .append(" (").append(machine.get("cores")).append(" cores, ").append(machine.get("cpu_model"))
                .append("; load average at start ").append(machine.get("load_average_at_start"))
                .append("). Full tables and plots: `docs/benchmarks.md`.\n\n");
        sb.append("JMH `PageCodecBenchmark` (one page per `qpl_execute_job`, level 1, fixed Huffman, one thread, JMH ")
                .append(((Map<String, Object>) results.get("settings")).get("jmh")).append("):\n\n");
        sb.append("| benchmark | tier | pages/s | MB/s |\n|---|---|---:|---:|\n");
        if (results.get("jmh") instanceof List<?> rows) {
            for (Object o : rows) {
                Map<String, Object> r = (Map<String, Object>) o;
                if (!String.valueOf(r.get("benchmark")).startsWith("PageCodecBenchmark.")) continue;
                sb.append(String.format(Locale.ROOT, "| %s | %s | %d | %.1f |%n", r.get("benchmark"),
                        ((Map<String, Object>) r.get("params")).get("tier"), ((Number) r.get("pages_per_s")).longValue(),
                        ((Number) r.get("bytes_per_s")).doubleValue() / 1e6));
            }
        }
        sb.append("\nThe same two measurements by hand (IMAGE: `bench/make-guest-image.sh IMAGE 256M`; PAGES: `bench-pages.img` in the "
                + "run's results folder, the 4096 non-zero pages both sides measured):\n\n```\n"
                + "java --enable-native-access=ALL-UNNAMED -Djmultifd.bench.image=IMAGE -jar bench/target/benchmarks.jar "
                + "PageCodecBenchmark -p tier=software -jvmArgsAppend \"--enable-native-access=ALL-UNNAMED "
                + "-Djmultifd.bench.image=IMAGE\"\n"
                + "bench/target/native/qpl_page_bench PAGES software fixed 5\n```\n");
        Object cQpl = ((Map<String, Object>) results.getOrDefault("c_yardsticks", Map.of())).get("qpl_page_bench");
        sb.append("\nC reference `qpl_page_bench` on the same pages: ").append(cQpl == null ? "not run" : cQpl).append("\n\n");
        sb.append("| ratio | ours | reference | ratio | goal | met |\n|---|---:|---:|---:|---|---|\n");
        for (Map<String, Object> y : (List<Map<String, Object>>) results.getOrDefault("yardstick_ratios", List.of())) {
            if (!String.valueOf(y.get("name")).startsWith("qpl software")) continue;
            yardstickRow(sb, y);
        }
        return sb.toString();
    }
}
