package io.jmultifd.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/** Runs the JMH benchmarks of this module from the harness and returns one row per benchmark and parameter set. */
final class MicroBenchmarks {

    /** JMH settings: forks, warm-up and measurement iterations, and their length in milliseconds. */
    record Settings(int forks, int warmupIterations, int iterations, long iterationMillis) {
        String describe() {
            return "-f " + forks + " -wi " + warmupIterations + " -i " + iterations + " -w " + iterationMillis
                    + "ms -r " + iterationMillis + "ms";
        }
    }

    /**
     * One result: ops/s is pages/s for the per-page benchmarks; {@code best} is the fastest measurement
     * iteration, which the yardstick ratios compare with the C programs' fastest repeat.
     */
    record Row(String benchmark, Map<String, String> params, double opsPerSecond, double error, double best) {
        String key() {
            StringBuilder sb = new StringBuilder(benchmark);
            params.forEach((k, v) -> sb.append(':').append(k).append('=').append(v));
            return sb.toString();
        }
    }

    /**
     * A benchmark class (simple name), its benchmark methods, the values of its one parameter (or none), and
     * how many JMH threads run it at once (each with its own {@code Scope.Thread} state; the score is their sum).
     * A spec with more than one thread gets a {@code threads} entry in its rows' parameters.
     */
    record Spec(String className, List<String> methods, String param, List<String> values, int threads) {
        Spec(String className, List<String> methods, String param, List<String> values) {
            this(className, methods, param, values, 1);
        }
    }

    private MicroBenchmarks() {}

    /**
     * Runs every spec and returns the rows; a spec/method/value that produced no result (its setup or
     * benchmark threw) is listed in {@code missing}.
     */
    static List<Row> run(List<Spec> specs, Settings settings, List<String> jvmArgs, List<String> missing)
            throws RunnerException {
        List<Row> rows = new ArrayList<>();
        for (Spec spec : specs) {
            if (spec.values().isEmpty() && spec.param() != null) continue;
            ChainedOptionsBuilder b = new OptionsBuilder()
                    .include("io\\.jmultifd\\.bench\\." + spec.className() + "\\.(" + String.join("|", spec.methods()) + ")$")
                    .forks(settings.forks())
                    .warmupIterations(settings.warmupIterations())
                    .measurementIterations(settings.iterations())
                    .warmupTime(TimeValue.milliseconds(settings.iterationMillis()))
                    .measurementTime(TimeValue.milliseconds(settings.iterationMillis()))
                    .jvmArgsAppend(jvmArgs.toArray(String[]::new))
                    .threads(spec.threads())
                    .shouldFailOnError(false);
            if (spec.param() != null) b.param(spec.param(), spec.values().toArray(String[]::new));
            Collection<RunResult> results = new Runner(b.build()).run();
            Map<String, Row> byKey = new LinkedHashMap<>();
            for (RunResult r : results) {
                String label = r.getParams().getBenchmark();
                String method = label.substring(label.lastIndexOf('.') + 1);
                Map<String, String> params = new LinkedHashMap<>();
                for (String k : r.getParams().getParamsKeys()) params.put(k, r.getParams().getParam(k));
                if (spec.threads() > 1) params.put("threads", Integer.toString(spec.threads()));
                double err = r.getPrimaryResult().getScoreError();
                Row row = new Row(spec.className() + "." + method, params, r.getPrimaryResult().getScore(),
                        Double.isNaN(err) ? 0 : err, r.getPrimaryResult().getStatistics().getMax());
                byKey.put(row.key(), row);
            }
            for (String method : spec.methods()) {
                List<String> values = spec.param() == null ? java.util.Collections.singletonList(null) : spec.values();
                for (String v : values) {
                    Map<String, String> params = new LinkedHashMap<>();
                    if (v != null) params.put(spec.param(), v);
                    if (spec.threads() > 1) params.put("threads", Integer.toString(spec.threads()));
                    Row probe = new Row(spec.className() + "." + method, params, 0, 0, 0);
                    Row got = byKey.get(probe.key());
                    if (got == null) missing.add(probe.key() + " gave no result (see the JMH output above)");
                    else rows.add(got);
                }
            }
        }
        return rows;
    }
}
