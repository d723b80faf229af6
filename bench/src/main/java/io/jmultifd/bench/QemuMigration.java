package io.jmultifd.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One QEMU migration of the side-by-side benchmark over loopback TCP: a paused guest ({@code -machine none}, one
 * RAM block, {@code -S}) whose RAM is a private, preallocated copy of the guest image, to a destination started
 * with {@code -incoming defer}; multifd with the given channels and compression, max-bandwidth 100 GiB/s.
 * Driven over QMP from here. CPU = user + system time of both QEMU processes from just before {@code migrate}
 * until both ends report completed ({@code /proc/PID/stat}), so QEMU's start-up and its copy of the image are
 * not counted.
 */
final class QemuMigration {
    /** QEMU's max-bandwidth for "unlimited" as the issue ran it: 100 GiB/s. */
    static final long MAX_BANDWIDTH = 100L << 30;
    private static final long MIGRATION_TIMEOUT_MS = 10 * 60_000;

    /**
     * Where a QEMU runs: this machine's {@code qemu-system-x86_64}, or the one of a chroot through
     * {@code bench/qemu-env.sh exec}, which bind-mounts the image and the work folder at fixed paths inside.
     */
    record Install(String name, Path chroot, Path repo) {
        static final String INNER_IMAGE = "/jmultifd-bench/image.img";
        static final String INNER_WORK = "/jmultifd-bench/work";

        static Install host() {
            return new Install("host", null, null);
        }

        static Install inChroot(Path repo, Path chroot) {
            return new Install("chroot " + chroot, chroot, repo);
        }

        List<String> command(Path image, Path work, List<String> qemuArguments) {
            List<String> c = new ArrayList<>();
            if (chroot != null) {
                c.addAll(List.of(repo.resolve("bench/qemu-env.sh").toString(), "exec", chroot.toString(),
                        image + "=" + INNER_IMAGE, work + "=" + INNER_WORK, "--"));
            }
            c.add("qemu-system-x86_64");
            c.addAll(qemuArguments);
            return c;
        }

        /** {@code path} (the image or a file in the work folder) as QEMU sees it. */
        String seen(Path path, Path image, Path work) {
            if (chroot == null) return path.toString();
            if (path.equals(image)) return INNER_IMAGE;
            return INNER_WORK + "/" + work.relativize(path);
        }
    }

    /** What one migration gave; {@code error} is null when both ends completed. */
    record Outcome(String qemuVersion, QueryMigrate source, String destinationStatus, double cpuSourceSeconds,
                   double cpuDestinationSeconds, String error) {
        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("qemu", qemuVersion);
            m.put("status", source == null ? null : source.status());
            m.put("destination_status", destinationStatus);
            if (source != null) {
                m.put("total_time_ms", source.totalTimeMs());
                m.put("downtime_ms", source.downtimeMs());
                m.put("setup_time_ms", source.setupTimeMs());
                m.put("transferred_bytes", source.transferredBytes());
            }
            m.put("cpu_source_s", cpuSourceSeconds);
            m.put("cpu_destination_s", cpuDestinationSeconds);
            if (error != null) m.put("error", error);
            return m;
        }
    }

    private final Install install;
    private final Path image;
    private final long size;
    private final Path work;

    QemuMigration(Install install, Path image, long size, Path work) {
        this.install = install;
        this.image = image.toAbsolutePath();
        this.size = size;
        this.work = work.toAbsolutePath();
    }

    /** One migration with {@code compression} (none, zlib, zstd) over {@code channels} multifd channels. */
    Outcome run(String compression, int channels) throws IOException, InterruptedException {
        Files.createDirectories(work);
        Qemu dst = start("dst", "memory-backend-ram,id=m,size=" + size, List.of("-incoming", "defer"));
        try (dst) {
            Qemu src = start("src", "memory-backend-file,id=m,mem-path=" + install.seen(image, image, work) + ",size=" + size
                    + ",share=off,prealloc=on", List.of());
            try (src) {
                for (Qemu q : List.of(src, dst)) {
                    q.qmp.execute("migrate-set-capabilities", Map.of("capabilities",
                            List.of(Map.of("capability", "multifd", "state", true))));
                    q.qmp.execute("migrate-set-parameters", Map.of("multifd-channels", channels,
                            "multifd-compression", compression));
                }
                src.qmp.execute("migrate-set-parameters", Map.of("max-bandwidth", MAX_BANDWIDTH));
                int port = freePort();
                String uri = "tcp:127.0.0.1:" + port;
                dst.qmp.execute("migrate-incoming", Map.of("uri", uri));
                ProcStat src0 = ProcStat.of(src.process.pid()), dst0 = ProcStat.of(dst.process.pid());
                src.qmp.execute("migrate", Map.of("uri", uri));
                QueryMigrate s = await(src, MIGRATION_TIMEOUT_MS);
                QueryMigrate d = s.completed() ? await(dst, 60_000) : QueryMigrate.parse(dst.qmp.execute("query-migrate", Map.of()));
                ProcStat src1 = ProcStat.of(src.process.pid()), dst1 = ProcStat.of(dst.process.pid());
                String error = null;
                if (!s.completed()) error = "source " + s.status() + (s.errorDesc() == null ? "" : ": " + s.errorDesc());
                else if (!d.completed()) error = "destination " + d.status() + (d.errorDesc() == null ? "" : ": " + d.errorDesc());
                return new Outcome(src.qmp.version, s, d.status(), round3(src1.seconds() - src0.seconds()),
                        round3(dst1.seconds() - dst0.seconds()), error);
            }
        }
    }

    /** Polls query-migrate until the migration ended (or the time is up: then the last answer). */
    private static QueryMigrate await(Qemu q, long timeoutMillis) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (true) {
            QueryMigrate m = QueryMigrate.parse(q.qmp.execute("query-migrate", Map.of()));
            if (m.ended() || System.nanoTime() > deadline) return m;
            // query-migrate's times are QEMU's own; the poll only has to notice the end.
            Thread.sleep(50);
        }
    }

    /** A started QEMU and its QMP connection; close() quits it (kills it when it does not end). */
    private record Qemu(Process process, QmpClient qmp) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            try {
                qmp.execute("quit", Map.of());
            } catch (IOException e) {
                // It may close the socket before it answers; it ends either way.
            } finally {
                qmp.close();
            }
            try {
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(60, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    private Qemu start(String name, String backend, List<String> extra) throws IOException, InterruptedException {
        Path socket = work.resolve("qmp-" + name + ".sock");
        Files.deleteIfExists(socket);
        Path log = work.resolve("qemu-" + name + ".log");
        List<String> args = new ArrayList<>(List.of("-nodefaults", "-display", "none", "-machine", "none,memory-backend=m",
                "-m", (size >> 20) + "M", "-object", backend, "-S", "-qmp",
                "unix:" + install.seen(socket, image, work) + ",server=on,wait=off"));
        args.addAll(extra);
        List<String> command = install.command(image, work, args);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            return new Qemu(p, QmpClient.connect(socket, p, 120_000));
        } catch (IOException | InterruptedException e) {
            p.destroyForcibly();
            p.waitFor(60, TimeUnit.SECONDS);
            String said = Files.isRegularFile(log) ? Files.readString(log).strip() : "";
            throw new IOException("QEMU did not start: " + String.join(" ", command) + ": " + e.getMessage()
                    + (said.isEmpty() ? "" : "; it said: " + said));
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static double round3(double v) {
        return Harness.round3(v);
    }
}
