package io.jmultifd.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The disk's own limit for the snapshot benchmark, measured with GNU dd in the same run: {@code dd bs=1M
 * oflag=direct conv=fsync} writes the guest image (read into the page cache first, so dd's source costs no disk
 * time) to a file beside the snapshots, then {@code dd bs=1M iflag=direct} reads that file back to /dev/null after
 * the page cache is dropped. Times are wall-clock around the dd process; MB = 10^6 bytes, as dd prints.
 */
final class DiskYardstick {
    /** One dd run: its bytes and seconds, or why there are none. */
    record Outcome(String name, List<String> command, long bytes, double seconds, String problem) {
        boolean ok() {
            return problem == null;
        }

        double mbPerSecond() {
            return bytes / seconds / 1e6;
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("command", String.join(" ", command));
            if (ok()) {
                m.put("bytes", bytes);
                m.put("seconds", Harness.round3(seconds));
                m.put("MBps", Harness.round3(mbPerSecond()));
            } else {
                m.put("missing", problem);
            }
            return m;
        }
    }

    private DiskYardstick() {}

    /** Reads {@code image} into the page cache, then times writing it to {@code target} with O_DIRECT and fsync. */
    static Outcome write(Path image, Path target) {
        try {
            readWhole(image);
        } catch (IOException e) {
            return new Outcome("dd write", List.of(), 0, 0, "cannot read " + image + ": " + GuestImageBuilder.reason(e));
        }
        return dd("dd write", List.of("dd", "if=" + image, "of=" + target, "bs=1M", "oflag=direct", "conv=fsync"));
    }

    /** Reads {@code file} with O_DIRECT to /dev/null. */
    static Outcome read(Path file) {
        return dd("dd read", List.of("dd", "if=" + file, "of=/dev/null", "bs=1M", "iflag=direct"));
    }

    private static Outcome dd(String name, List<String> command) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
            pb.environment().put("LC_ALL", "C");
            long t0 = System.nanoTime();
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                return new Outcome(name, command, 0, 0, "no end after 10 minutes");
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (p.exitValue() != 0) return new Outcome(name, command, 0, 0, "exit code " + p.exitValue() + ": " + out);
            // GNU dd's last line: "N bytes (...) copied, S s, R MB/s"
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+) bytes .*copied").matcher(out);
            if (!m.find()) return new Outcome(name, command, 0, 0, "no byte count in dd's output: " + out);
            return new Outcome(name, command, Long.parseLong(m.group(1)), seconds, null);
        } catch (IOException e) {
            return new Outcome(name, command, 0, 0, "cannot run dd: " + GuestImageBuilder.reason(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(name, command, 0, 0, "interrupted");
        }
    }

    /** Reads the whole file once (into the page cache). */
    static void readWhole(Path file) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
        try (FileChannel ch = FileChannel.open(file)) {
            while (ch.read(buffer) >= 0) buffer.clear();
        }
    }

    static String describe(Outcome o) {
        return o.ok() ? String.format(Locale.ROOT, "%d bytes in %.3f s, %.1f MB/s", o.bytes(), o.seconds(), o.mbPerSecond())
                : "MISSING: " + o.problem();
    }
}
