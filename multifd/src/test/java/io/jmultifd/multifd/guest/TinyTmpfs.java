package io.jmultifd.multifd.guest;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A tmpfs of a few MiB mounted for one test: a real file system that runs full. Mounting needs root. Without it
 * the test is skipped, except where CI runs ({@code CI=true}, or {@code JMULTIFD_REQUIRE_TMPFS=1} as ci/test.sh
 * sets it for root): there it fails, so that CI never passes without having filled a disk.
 */
public final class TinyTmpfs implements AutoCloseable {
    private final Path mountPoint;

    private TinyTmpfs(Path mountPoint) {
        this.mountPoint = mountPoint;
    }

    public static TinyTmpfs mount(Path mountPoint, long bytes) throws IOException, InterruptedException {
        return mount(mountPoint, "tmpfs", bytes);
    }

    /** A file system of {@code type} ("tmpfs", or "ramfs": no size limit, and it refuses O_DIRECT). */
    public static TinyTmpfs mount(Path mountPoint, String type, long bytes) throws IOException, InterruptedException {
        Files.createDirectories(mountPoint);
        String options = type.equals("tmpfs") ? "size=" + bytes + ",mode=0755" : "mode=0755";
        String result = run("mount", "-t", type, "-o", options, "jmultifd-test", mountPoint.toString());
        if (result != null) {
            String why = "cannot mount a " + bytes + "-byte " + type + " at " + mountPoint + ": " + result;
            if (required()) {
                fail(why + " (CI=true or JMULTIFD_REQUIRE_TMPFS=1: this test must run; it needs root)");
            }
            Assumptions.abort(why + "; skipped (run as root to test a full file system)");
        }
        return new TinyTmpfs(mountPoint);
    }

    private static boolean required() {
        return "true".equalsIgnoreCase(System.getenv("CI")) || "1".equals(System.getenv("JMULTIFD_REQUIRE_TMPFS"));
    }

    public Path path() {
        return mountPoint;
    }

    public Path resolve(String name) {
        return mountPoint.resolve(name);
    }

    /** Free bytes as the file system reports them. */
    public long usableBytes() throws IOException {
        return Files.getFileStore(mountPoint).getUsableSpace();
    }

    /** Fills the rest of the file system with one file, written until the disk is full. */
    public void fillUp(String name) throws IOException {
        byte[] chunk = new byte[4096];
        java.util.Arrays.fill(chunk, (byte) 1);
        try (var out = Files.newOutputStream(mountPoint.resolve(name))) {
            while (true) {
                out.write(chunk);
            }
        } catch (IOException full) {
            if (!String.valueOf(full.getMessage()).contains("No space left")) {
                throw full;
            }
        }
    }

    /** null when the command succeeded, else what went wrong. */
    private static String run(String... command) throws InterruptedException {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return String.join(" ", command) + " hung";
            }
            return p.exitValue() == 0 ? null : String.join(" ", command) + ": exit " + p.exitValue() + " " + out;
        } catch (IOException e) {
            return String.join(" ", command) + ": " + e.getMessage();
        }
    }

    @Override
    public void close() throws InterruptedException {
        String result = run("umount", mountPoint.toString());
        if (result != null) {
            // still busy (e.g. a child JVM not yet gone): detach it, the kernel frees it when unused
            String lazy = run("umount", "-l", mountPoint.toString());
            if (lazy != null) {
                fail("cannot unmount the test tmpfs at " + mountPoint + ": " + result + "; " + lazy);
            }
        }
    }
}
