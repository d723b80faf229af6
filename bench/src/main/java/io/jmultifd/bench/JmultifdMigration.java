package io.jmultifd.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One jmultifd migration of the side-by-side benchmark, through the CLI as users run it: {@code ./jmultifd incoming
 * --listen tcp:127.0.0.1:0 --json} and {@code ./jmultifd migrate --source IMAGE --to tcp:127.0.0.1:PORT --json},
 * each in its own JVM, with the same {@code --set} parameters (max-bandwidth only on the source). CPU is counted
 * twice: over the migration (each end's {@code process-cpu-time}: its whole process from the start of the migration
 * to its end, as QEMU's CPU is counted from {@code migrate} to completion) and for both whole processes, start-up
 * and JIT included (this JVM's children's times in {@code /proc/self/stat}, which grow when a child ends and has
 * been waited for; nothing else is started here meanwhile). The incoming side writes no --output: QEMU's destination keeps the guest in memory too, and the
 * engine's end-to-end CRC32C check (checksum-match on both ends) is the proof that the bytes arrived.
 */
final class JmultifdMigration {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LISTENING = Pattern.compile("listening on tcp:[^:]+:(\\d+)");

    /** What one migration gave; {@code error} is null when both ends completed with matching checksums. */
    record Outcome(QueryMigrate source, QueryMigrate destination, Boolean checksumMatch, double cpuSeconds,
                   double windowCpuSeconds, long engineCpuSourceMs, long engineCpuDestinationMs, String error) {
        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("status", source == null ? null : source.status());
            m.put("destination_status", destination == null ? null : destination.status());
            if (source != null) {
                m.put("total_time_ms", source.totalTimeMs());
                m.put("downtime_ms", source.downtimeMs());
                m.put("setup_time_ms", source.setupTimeMs());
                m.put("transferred_bytes", source.transferredBytes());
            }
            m.put("checksum_match", checksumMatch);
            m.put("cpu_both_processes_s", cpuSeconds);
            if (!Double.isNaN(windowCpuSeconds)) m.put("cpu_migration_window_s", windowCpuSeconds);
            m.put("engine_cpu_source_ms", engineCpuSourceMs);
            m.put("engine_cpu_destination_ms", engineCpuDestinationMs);
            if (error != null) m.put("error", error);
            return m;
        }
    }

    private final Path launcher;
    private final Path image;

    JmultifdMigration(Path repo, Path image) {
        this.launcher = repo.resolve("jmultifd");
        this.image = image.toAbsolutePath();
    }

    /** The {@code --set} pairs of both ends for a method variant (e.g. qpl-software) and a channel count. */
    static List<String> sets(MethodVariant variant, int channels) {
        List<String> sets = new ArrayList<>();
        variant.migrationParameters(channels).forEach((k, v) -> sets.add(k + "=" + v));
        sets.add("multifd-zero-page=multifd");
        return sets;
    }

    Outcome run(MethodVariant variant, int channels, long maxBandwidth) throws IOException, InterruptedException {
        List<String> sets = sets(variant, channels);
        double cpu0 = ProcStat.self().childSeconds();
        Process incoming = start(command("incoming", List.of("--listen", "tcp:127.0.0.1:0"), sets));
        Process migrate = null;
        try {
            CompletableFuture<String> incomingOut = slurp(incoming.getInputStream());
            StringBuilder incomingErr = new StringBuilder();
            BufferedReader incomingErrReader = new BufferedReader(new InputStreamReader(incoming.getErrorStream(),
                    StandardCharsets.UTF_8));
            int port = awaitListening(incomingErrReader, incomingErr);
            CompletableFuture<String> incomingRest = async(() -> drain(incomingErrReader, incomingErr));
            List<String> sourceSets = new ArrayList<>(sets);
            sourceSets.add("max-bandwidth=" + maxBandwidth);
            migrate = start(command("migrate", List.of("--source", image.toString(), "--to", "tcp:127.0.0.1:" + port),
                    sourceSets));
            CompletableFuture<String> migrateOut = slurp(migrate.getInputStream());
            CompletableFuture<String> migrateErr = slurp(migrate.getErrorStream());
            boolean ended = migrate.waitFor(10, TimeUnit.MINUTES) && incoming.waitFor(2, TimeUnit.MINUTES);
            if (!ended) {
                return failed("no end after 10 minutes");
            }
            String srcText = migrateOut.join(), dstText = incomingOut.join();
            double cpu = ProcStat.self().childSeconds() - cpu0;
            JsonNode src, dst;
            try {
                src = JSON.readTree(srcText);
                dst = JSON.readTree(dstText);
            } catch (IOException e) {
                return failed("no JSON result (migrate exit " + migrate.exitValue() + ": " + migrateErr.join().strip()
                        + "; incoming exit " + incoming.exitValue() + ": " + incomingRest.join().strip() + ")");
            }
            return outcome(src, dst, cpu);
        } finally {
            for (Process p : migrate == null ? List.of(incoming) : List.of(migrate, incoming)) {
                if (p.isAlive()) {
                    p.destroyForcibly();
                    p.waitFor(60, TimeUnit.SECONDS);
                }
            }
        }
    }

    /** The outcome from both ends' --json results and the CPU seconds of both processes. */
    static Outcome outcome(JsonNode src, JsonNode dst, double cpuSeconds) {
        QueryMigrate s = QueryMigrate.parse(src), d = QueryMigrate.parse(dst);
        JsonNode srcMatch = src.path("jmultifd").path("checksum-match"), dstMatch = dst.path("jmultifd").path("checksum-match");
        Boolean match = srcMatch.isBoolean() && dstMatch.isBoolean() ? srcMatch.asBoolean() && dstMatch.asBoolean() : null;
        String error = null;
        if (!s.completed() || !d.completed()) {
            error = "source " + s.status() + (s.errorDesc() == null ? "" : " (" + s.errorDesc() + ")") + ", destination "
                    + d.status() + (d.errorDesc() == null ? "" : " (" + d.errorDesc() + ")");
        } else if (!Boolean.TRUE.equals(match)) {
            error = "completed but checksum-match is " + srcMatch + " (source) / " + dstMatch + " (destination)";
        }
        long srcWindow = src.path("jmultifd").path("process-cpu-time").asLong(-1);
        long dstWindow = dst.path("jmultifd").path("process-cpu-time").asLong(-1);
        double window = srcWindow < 0 || dstWindow < 0 ? Double.NaN : Harness.round3((srcWindow + dstWindow) / 1000.0);
        return new Outcome(s, d, match, Harness.round3(cpuSeconds), window, src.path("jmultifd").path("cpu-time").asLong(-1),
                dst.path("jmultifd").path("cpu-time").asLong(-1), error);
    }

    private static Outcome failed(String error) {
        return new Outcome(null, null, null, -1, Double.NaN, -1, -1, error);
    }

    private List<String> command(String subcommand, List<String> args, List<String> sets) {
        List<String> c = new ArrayList<>(List.of(launcher.toString(), subcommand));
        c.addAll(args);
        c.add("--json");
        for (String s : sets) {
            c.add("--set");
            c.add(s);
        }
        return c;
    }

    private static Process start(List<String> command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command);
        // The harness built the distribution and libqpl is provisioned: the launcher only starts the JVM.
        pb.environment().put("JMULTIFD_NO_BUILD", "1");
        pb.environment().put("JMULTIFD_NO_PROVISION", "1");
        return pb.start();
    }

    /** Reads the incoming side's stderr up to its "listening on tcp:HOST:PORT" line; returns the port. */
    private static int awaitListening(BufferedReader r, StringBuilder err) throws IOException {
        String line;
        while ((line = r.readLine()) != null) {
            err.append(line).append('\n');
            Matcher m = LISTENING.matcher(line);
            if (m.find()) return Integer.parseInt(m.group(1));
        }
        throw new IOException("jmultifd incoming ended without listening: " + err.toString().strip());
    }

    private static String drain(BufferedReader r, StringBuilder err) {
        try {
            String line;
            while ((line = r.readLine()) != null) err.append(line).append('\n');
        } catch (IOException e) {
            err.append("(stderr unreadable: ").append(e.getMessage()).append(')');
        }
        return err.toString();
    }

    private static CompletableFuture<String> slurp(InputStream in) {
        return async(() -> {
            try {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        });
    }

    /** On a thread of its own: the readers block on pipes, which a small common pool must not wait for. */
    private static CompletableFuture<String> async(Supplier<String> reader) {
        return CompletableFuture.supplyAsync(reader, r -> Thread.ofPlatform().daemon(true).name("jmultifd-bench-pipe").start(r));
    }
}
