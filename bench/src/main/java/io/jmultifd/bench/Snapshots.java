package io.jmultifd.bench;

import io.jmultifd.multifd.Endpoint;
import io.jmultifd.multifd.MigrationDestination;
import io.jmultifd.multifd.MigrationParameters;
import io.jmultifd.multifd.MigrationResult;
import io.jmultifd.multifd.MigrationSource;
import io.jmultifd.multifd.ProgressListener;
import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.RamBlock;
import io.jmultifd.multifd.guest.Workload;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Snapshots of a guest holding the guest image, saved to a file and restored by the engine in this JVM: the source
 * guest is anonymous memory (the image copied in, as a running guest's RAM), the restore allocates a fresh guest as
 * {@code jmultifd incoming --listen file:PATH} does (lazily backed). Each save and restore is timed wall-clock
 * around {@link MigrationSource#migrate} and {@link MigrationDestination#receive}; after each restore (not timed)
 * the restored memory is compared byte for byte with the source guest.
 */
final class Snapshots implements AutoCloseable {
    /**
     * One configuration: {@code method} none = the mapped-ram layout (pages at fixed offsets), any other = a
     * compressed snapshot with that method; {@code dirtyRateMBps} &gt; 0 saves a live guest while a workload writes.
     */
    record Config(String method, int channels, boolean directIo, double dirtyRateMBps) {
        String layout() {
            return method.equals("none") ? "mapped-ram" : "compressed " + method;
        }

        String key() {
            return layout() + "/" + channels + "/direct-io=" + (directIo ? "on" : "off")
                    + (dirtyRateMBps > 0 ? "/live " + dirtyRateMBps + " MB/s" : "");
        }

        Map<String, String> parameters() {
            Map<String, String> p = MethodVariant.of(method).migrationParameters(channels);
            p.put(MigrationParameters.MAPPED_RAM, "on");
            p.put(MigrationParameters.DIRECT_IO, directIo ? "on" : "off");
            return p;
        }
    }

    private final Path image;
    private final GuestMemory guest;

    /** Copies {@code image} into a fresh anonymous guest of one block named {@code ram}. */
    Snapshots(Path image) throws IOException {
        this.image = image;
        long size = Files.size(image);
        this.guest = GuestMemory.of(List.of(RamBlock.anonymous("ram", size, BenchPages.PAGE)));
        reload();
    }

    GuestMemory guest() {
        return guest;
    }

    /** The image's bytes into the guest again (after a live save, whose workload wrote to it). */
    void reload() throws IOException {
        try (FileChannel ch = FileChannel.open(image); Arena mapping = Arena.ofConfined()) {
            guest.blocks().getFirst().memory().copyFrom(ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), mapping));
        }
    }

    /** Saves the guest to {@code file}; the engine's report plus wall_ms and the file's length and allocated bytes. */
    Map<String, Object> save(Config config, Path file, long seed) throws Exception {
        MigrationParameters parameters = MigrationParameters.from(config.parameters());
        MigrationResult result;
        long t0;
        long t1;
        try (Workload workload = config.dirtyRateMBps() > 0 ? new Workload(guest, config.dirtyRateMBps(), seed) : null) {
            if (workload != null) workload.start();
            t0 = System.nanoTime();
            result = new MigrationSource(guest, workload, parameters).migrate(Endpoint.parse("file:" + file),
                    ProgressListener.NONE);
            t1 = System.nanoTime();
        }
        Map<String, Object> m = report(result);
        m.put("wall_ms", Harness.round3((t1 - t0) / 1e6));
        if (Files.isRegularFile(file)) {
            m.put("file_bytes", Files.size(file));
            m.put("allocated_bytes", allocatedBytes(file));
        }
        return m;
    }

    /**
     * Restores {@code file} into a fresh guest; the engine's report plus wall_ms and memory_equal (the restored
     * guest against the source guest, compared after the timing).
     */
    Map<String, Object> restore(Config config, Path file) throws Exception {
        MigrationParameters parameters = MigrationParameters.from(config.parameters());
        try (MigrationDestination destination = new MigrationDestination(parameters)) {
            long t0 = System.nanoTime();
            MigrationResult result = destination.receive(Endpoint.parse("file:" + file), ProgressListener.NONE);
            long t1 = System.nanoTime();
            Map<String, Object> m = report(result);
            m.put("wall_ms", Harness.round3((t1 - t0) / 1e6));
            m.put("memory_equal", destination.received() != null && equal(guest, destination.received()));
            return m;
        }
    }

    /**
     * The engine's report ({@code --json}'s query-migrate shape) with the bench's own flat figures taken from the
     * typed result: status, error, checksum_match and cpu_time_ms, which the snapshot table and its checks read.
     */
    private static Map<String, Object> report(MigrationResult result) {
        Map<String, Object> m = new LinkedHashMap<>(result.toMap());
        m.put("status", result.status().name());
        m.put("error", result.error());
        m.put("checksum_match", result.checksumMatch());
        m.put("cpu_time_ms", result.times().cpuMs());
        return m;
    }

    /** Whether both guests have the same blocks with the same bytes. */
    static boolean equal(GuestMemory a, GuestMemory b) {
        if (a.blocks().size() != b.blocks().size()) return false;
        for (int i = 0; i < a.blocks().size(); i++) {
            MemorySegment x = a.blocks().get(i).memory();
            MemorySegment y = b.blocks().get(i).memory();
            if (!a.blocks().get(i).name().equals(b.blocks().get(i).name()) || x.mismatch(y) != -1) return false;
        }
        return true;
    }

    /** Bytes the file takes on disk (st_blocks x 512, by stat(1)); -1 when stat cannot say. */
    static long allocatedBytes(Path file) {
        try {
            Process p = new ProcessBuilder("stat", "-c", "%b %B", file.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(1, TimeUnit.MINUTES) || p.exitValue() != 0) return -1;
            String[] f = out.split("\\s+");
            return Long.parseLong(f[0]) * Long.parseLong(f[1]);
        } catch (IOException | RuntimeException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    @Override
    public void close() {
        guest.close();
    }
}
