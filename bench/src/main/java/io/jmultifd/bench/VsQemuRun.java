package io.jmultifd.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code bench/run-bench.sh --vs-qemu}: the guest image, both QEMUs made ready ({@code bench/qemu-env.sh}), the
 * jmultifd distribution built, then {@link VsQemuBench}; writes results.json and table.md, and with --write-docs
 * its section of docs/benchmarks.md.
 */
final class VsQemuRun {
    static final String DEFAULT_CHROOT = "/var/tmp/jmultifd-qemu-chroot";

    private VsQemuRun() {}

    static int run(Harness.Options o, List<String> failures) throws Exception {
        Instant started = Instant.now();
        String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(started);
        Path out = (o.out != null ? o.out : o.repo.resolve("results").resolve(stamp)).toAbsolutePath();
        Files.createDirectories(out);
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("date", DateTimeFormatter.ISO_INSTANT.format(started));
        results.put("command", o.command);
        results.put("machine", Harness.Machine.describe(o.machineNote));
        Path image = o.image;
        if (image == null) {
            image = out.resolve("guest-" + o.size + ".img");
            Harness.step("building the guest image (" + o.size + ")");
            GuestImageBuilder.Composition c = GuestImageBuilder.build(image, GuestImageBuilder.parseSize(o.size),
                    Path.of(System.getProperty("java.home"), "lib", "modules"));
            System.out.print(c.describe());
            results.put("image", Harness.compositionMap(c));
        } else {
            GuestImageBuilder.Composition c = GuestImageBuilder.describe(image, Map.of(), Map.of());
            System.out.print(c.describe());
            results.put("image", Harness.compositionMap(c));
        }
        try {
            Harness.step("QEMU on this machine and in " + o.qemuChroot + "; the jmultifd distribution");
            Map<String, Object> versions = new LinkedHashMap<>();
            versions.put("host", prepare(failures, o.repo.resolve("bench/qemu-env.sh").toString(), "install-host"));
            versions.put("chroot", prepare(failures, o.repo.resolve("bench/qemu-env.sh").toString(), "setup",
                    o.qemuChroot.toAbsolutePath().toString()));
            // Builds the distribution when it is stale, so that the timed runs only start JVMs.
            prepare(failures, o.repo.resolve("jmultifd").toString(), "methods");
            results.put("qemu_versions", versions);
            Harness.step("side by side: " + o.methods + " x channels " + o.channels + " x " + o.repetitions
                    + " repetitions (QEMU host, QEMU chroot, jmultifd), then qpl-software against zstd");
            results.put("vs_qemu", new VsQemuBench(new VsQemuBench.Settings(image.toAbsolutePath(), Files.size(image),
                    out.resolve("qemu-work"), o.repo, o.qemuChroot.toAbsolutePath(), o.repetitions, o.methods, o.channels,
                    o.settleSeconds),
                    failures).run());
        } finally {
            if (o.image == null) Files.deleteIfExists(image);
        }
        results.put("load_average_at_end", Harness.Machine.loadAverage());
        results.put("failures", failures);
        Files.writeString(out.resolve("results.json"), Harness.JSON.writeValueAsString(results));
        @SuppressWarnings("unchecked")
        String table = VsQemuReport.table((Map<String, Object>) results.get("vs_qemu"));
        Files.writeString(out.resolve("table.md"), table);
        System.out.println();
        System.out.println(table);
        if (o.writeDocs) System.out.println("wrote " + VsQemuReport.writeDocs(o.repo, results));
        System.out.println("results in " + out);
        if (!failures.isEmpty()) {
            System.out.println("FAILED (" + failures.size() + "):");
            failures.forEach(f -> System.out.println("  FAILED " + f));
            return 1;
        }
        return 0;
    }

    /** Runs a preparing command (its stderr to ours); returns the first line it printed, or records why it failed. */
    private static String prepare(List<String> failures, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            failures.add(String.join(" ", command) + ": failed" + (said.isEmpty() ? "" : ": " + said));
            return null;
        }
        System.out.println("  " + String.join(" ", command) + ": " + said.lines().findFirst().orElse(""));
        return said.lines().findFirst().orElse("");
    }
}
