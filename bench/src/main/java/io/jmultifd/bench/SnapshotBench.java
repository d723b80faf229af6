package io.jmultifd.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The snapshot benchmark: saves and restores of a guest holding the guest image to files on one file system,
 * against that disk's own limit measured with dd in the same run (before and after, the faster of each counts).
 * Order: dd write and read; the engine's matrix (layouts x channels x direct-io, paused guest), then live saves;
 * the sequential one-thread stream; QEMU's rows when a chroot with QEMU is given. The page cache is dropped before
 * every timed step when {@code dropCaches} (root only). At most one snapshot file (the guest's size, or less) and
 * the dd file exist at a time beside the image; each is deleted after its step.
 */
final class SnapshotBench {
    /** What to run. {@code methods}: none = the mapped-ram layout, others = compressed snapshots. */
    record Settings(Path image, String sha256, Path dir, List<String> methods, List<Integer> channels,
                    List<Boolean> directIo, int repetitions, double liveDirtyRateMBps, boolean dropCaches, Path qemuChroot, Path repo) {}

    private final Settings s;
    private final List<String> failures;
    private String cacheProblem;

    SnapshotBench(Settings settings, List<String> failures) {
        this.s = settings;
        this.failures = failures;
    }

    Map<String, Object> run() throws Exception {
        long started = System.nanoTime();
        Files.createDirectories(s.dir());
        Map<String, Object> results = new LinkedHashMap<>();
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("guest_bytes", Files.size(s.image()));
        settings.put("directory", s.dir().toString());
        settings.put("file_system", fileSystem(s.dir()));
        settings.put("methods", s.methods());
        settings.put("channels", s.channels());
        settings.put("direct_io", s.directIo().stream().map(on -> on ? "on" : "off").toList());
        settings.put("repetitions", s.repetitions());
        settings.put("live_dirty_rate_MBps", s.liveDirtyRateMBps());
        results.put("settings", settings);
        Path ddFile = s.dir().resolve("dd-yardstick.img");
        Path snapshot = s.dir().resolve("bench.snapshot");

        step("disk yardstick (before): dd write and read of " + Files.size(s.image()) + " bytes in " + s.dir());
        Map<String, Object> disk = new LinkedHashMap<>();
        results.put("disk", disk);
        dd(disk, "before", ddFile);

        List<Map<String, Object>> runs = new ArrayList<>();
        results.put("runs", runs);
        try (Snapshots snapshots = new Snapshots(s.image())) {
            step("snapshots of the guest (paused): " + s.methods() + " x channels " + s.channels() + " x direct-io "
                    + s.directIo() + " x " + s.repetitions() + " repetition(s)");
            for (String method : s.methods()) {
                for (int ch : s.channels()) {
                    for (boolean direct : s.directIo()) {
                        runs.add(config(snapshots, new Snapshots.Config(method, ch, direct, 0), snapshot));
                    }
                }
            }
            if (s.liveDirtyRateMBps() > 0) {
                step("live saves: a workload dirties " + s.liveDirtyRateMBps() + " MB/s while the guest is saved");
                for (String method : s.methods()) {
                    runs.add(config(snapshots, new Snapshots.Config(method, s.channels().getLast(), s.directIo().getLast(),
                            s.liveDirtyRateMBps()), snapshot));
                    snapshots.reload();
                }
            }
            step("sequential stream, one thread (FileChannel.write of page records, like exec:cat > FILE)");
            results.put("stream", stream(snapshots, s.dir().resolve("bench.stream")));
        }

        if (s.qemuChroot() != null) {
            results.put("qemu", qemu());
        }
        step("disk yardstick (after)");
        dd(disk, "after", ddFile);
        disk.put("write_MBps", best(disk, "write"));
        disk.put("read_MBps", best(disk, "read"));
        results.put("page_cache", !s.dropCaches() ? "not dropped (--no-drop-caches or --quick)"
                : cacheProblem == null ? "dropped (sync; echo 3 > /proc/sys/vm/drop_caches) before every timed step"
                : "NOT dropped: " + cacheProblem);
        SnapshotReport.derive(results);
        results.put("duration_s", Math.round((System.nanoTime() - started) / 1e9));
        System.out.println("  (the snapshot benchmark took " + results.get("duration_s") + " s)");
        return results;
    }

    private void dd(Map<String, Object> disk, String when, Path ddFile) throws Exception {
        dropCaches();
        DiskYardstick.Outcome w = DiskYardstick.write(s.image(), ddFile);
        System.out.println("  dd write: " + DiskYardstick.describe(w));
        dropCaches();
        DiskYardstick.Outcome r = DiskYardstick.read(ddFile);
        System.out.println("  dd read:  " + DiskYardstick.describe(r));
        Files.deleteIfExists(ddFile);
        disk.put("write_" + when, w.toMap());
        disk.put("read_" + when, r.toMap());
        if (!w.ok()) failures.add("snapshot yardstick dd write (" + when + "): " + w.problem());
        if (!r.ok()) failures.add("snapshot yardstick dd read (" + when + "): " + r.problem());
    }

    private static Object best(Map<String, Object> disk, String kind) {
        double best = 0;
        for (String when : List.of("before", "after")) {
            if (disk.get(kind + "_" + when) instanceof Map<?, ?> m && m.get("MBps") instanceof Number n) {
                best = Math.max(best, n.doubleValue());
            }
        }
        return best > 0 ? best : null;
    }

    /** Drops the page cache when asked to; remembers the first reason it could not. */
    private void dropCaches() {
        if (!s.dropCaches()) return;
        String problem = PageCache.drop();
        if (problem != null && cacheProblem == null) {
            cacheProblem = problem;
            System.out.println("  WARNING: page cache not dropped: " + problem);
        }
    }

    private Map<String, Object> config(Snapshots snapshots, Snapshots.Config config, Path file) throws Exception {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("who", "jmultifd");
        row.put("layout", config.layout());
        row.put("method", config.method());
        row.put("channels", config.channels());
        row.put("direct_io", config.directIo());
        row.put("live_dirty_rate_MBps", config.dirtyRateMBps());
        List<Map<String, Object>> saves = new ArrayList<>();
        List<Map<String, Object>> restores = new ArrayList<>();
        for (int rep = 0; rep < s.repetitions(); rep++) {
            String what = "snapshot " + config.key() + " rep " + (rep + 1);
            try {
                dropCaches();
                Map<String, Object> save = snapshots.save(config, file, 42 + rep);
                saves.add(save);
                String broken = saveBroken(save);
                Map<String, Object> restore = null;
                if (broken == null) {
                    dropCaches();
                    restore = snapshots.restore(config, file);
                    restores.add(restore);
                    broken = restoreBroken(restore);
                }
                System.out.printf(Locale.ROOT, "  %-40s save %s ms (%s bytes on disk), restore %s ms%s%n",
                        config.key(), save.get("wall_ms"), save.get("allocated_bytes"),
                        restore == null ? "-" : restore.get("wall_ms"), broken == null ? "" : ": BROKEN: " + broken);
                if (broken != null) failures.add(what + ": " + broken);
            } catch (Exception e) {
                failures.add(what + ": " + GuestImageBuilder.reason(e));
                System.out.println("  " + what + ": " + GuestImageBuilder.reason(e));
            } finally {
                Files.deleteIfExists(file);
            }
        }
        row.put("saves", saves);
        row.put("restores", restores);
        return row;
    }

    static String saveBroken(Map<String, Object> save) {
        if (!"COMPLETED".equals(save.get("status"))) return "save " + save.get("status") + ": " + save.get("error");
        if (!Boolean.TRUE.equals(save.get("checksum_match"))) return "save completed without checksum_match";
        return null;
    }

    static String restoreBroken(Map<String, Object> restore) {
        if (!"COMPLETED".equals(restore.get("status"))) {
            return "restore " + restore.get("status") + ": " + restore.get("error");
        }
        if (!Boolean.TRUE.equals(restore.get("checksum_match"))) return "restore completed without checksum_match";
        if (!Boolean.TRUE.equals(restore.get("memory_equal"))) return "restored memory differs from the saved guest";
        return null;
    }

    private Map<String, Object> stream(Snapshots snapshots, Path file) throws Exception {
        Map<String, Object> row = new LinkedHashMap<>();
        try {
            dropCaches();
            Map<String, Object> save = SequentialStream.write(snapshots.guest(), file);
            dropCaches();
            Map<String, Object> restore = SequentialStream.read(file, snapshots.guest());
            row.put("saves", List.of(save));
            row.put("restores", List.of(restore));
            System.out.println("  stream: write " + save.get("wall_ms") + " ms (" + save.get("file_bytes") + " bytes), read "
                    + restore.get("wall_ms") + " ms, memory equal " + restore.get("memory_equal"));
            if (!Boolean.TRUE.equals(restore.get("memory_equal"))) {
                failures.add("sequential stream: the memory read back differs from the guest");
            }
        } catch (Exception e) {
            failures.add("sequential stream: " + GuestImageBuilder.reason(e));
            row.put("missing", GuestImageBuilder.reason(e));
        } finally {
            Files.deleteIfExists(file);
        }
        return row;
    }

    private List<Map<String, Object>> qemu() {
        List<Map<String, Object>> rows = new ArrayList<>();
        QemuSnapshots qemu = new QemuSnapshots(s.repo(), s.qemuChroot());
        String problem = qemu.problem();
        if (problem != null) {
            failures.add("qemu: " + problem);
            rows.add(Map.of("missing", problem));
            return rows;
        }
        step("QEMU (chroot " + s.qemuChroot() + "): mapped-ram x channels " + s.channels() + " x direct-io "
                + s.directIo() + ", then a stream (exec:cat > FILE)");
        for (int ch : s.channels()) {
            for (boolean direct : s.directIo()) {
                rows.add(qemuRow("mapped-ram", ch, direct));
            }
        }
        rows.add(qemuRow("stream", 1, false));
        return rows;
    }

    private Map<String, Object> qemuRow(String layout, int channels, boolean direct) {
        Map<String, Object> r = new QemuSnapshots(s.repo(), s.qemuChroot()).run(s.image(), s.sha256(), s.dir(), layout,
                channels, direct);
        r.put("who", "QEMU");
        r.put("layout", layout);
        r.put("channels", channels);
        r.put("direct_io", direct);
        String key = "qemu " + layout + "/" + channels + "/direct-io=" + (direct ? "on" : "off");
        System.out.println("  " + key + ": " + (r.containsKey("missing") ? "MISSING: " + r.get("missing")
                : "save " + r.get("save_s") + " s, restore " + r.get("restore_s") + " s, sha256 match "
                + r.get("sha256_match")));
        if (r.containsKey("missing")) failures.add(key + ": " + r.get("missing"));
        else if (!"true".equals(r.get("sha256_match"))) failures.add(key + ": restored RAM differs from the image");
        return r;
    }

    /** The file system of {@code dir}: df's device, type and size. */
    static String fileSystem(Path dir) {
        try {
            Process p = new ProcessBuilder("df", "-hT", dir.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(1, TimeUnit.MINUTES) || p.exitValue() != 0) return "unknown (df: " + out + ")";
            String[] lines = out.split("\n");
            String[] f = lines[lines.length - 1].trim().split("\\s+");
            return f.length >= 7 ? f[0] + " (" + f[1] + ", " + f[2] + ", mounted on " + f[6] + ")" : out;
        } catch (Exception e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    private static void step(String what) {
        System.out.println();
        System.out.println("== " + what);
    }
}
