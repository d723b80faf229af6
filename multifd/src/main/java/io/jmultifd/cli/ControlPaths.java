package io.jmultifd.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Where control sockets live by default: {@code DIR/migrate-PID.sock}, DIR being {@code $XDG_RUNTIME_DIR/jmultifd},
 * else {@code /run/jmultifd} where {@code /run} is writable (root), else {@code ${java.io.tmpdir}/jmultifd-USER}.
 * DIR is this user's alone (mode 0700): one of another user, a symbolic link or one that others may write is refused.
 */
final class ControlPaths {
    static final String PREFIX = "migrate-";
    static final String SUFFIX = ".sock";

    private ControlPaths() {
    }

    /** The default directory for this environment (not created). */
    static Path directory(Map<String, String> env) {
        String runtime = env.get("XDG_RUNTIME_DIR");
        if (runtime != null && !runtime.isBlank() && Files.isDirectory(Path.of(runtime))) {
            return Path.of(runtime, "jmultifd");
        }
        Path run = Path.of("/run");
        if (Files.isDirectory(run) && Files.isWritable(run)) {
            return run.resolve("jmultifd");
        }
        return Path.of(System.getProperty("java.io.tmpdir"), "jmultifd-" + System.getProperty("user.name"));
    }

    /** This process's default control socket in {@code dir}, which is created (0700) or checked. */
    static Path forThisProcess(Path dir) throws IOException {
        prepare(dir);
        return dir.resolve(PREFIX + ProcessHandle.current().pid() + SUFFIX);
    }

    private static void prepare(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            try {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
            } catch (java.nio.file.FileAlreadyExistsException raced) {
                // made meanwhile: checked below
            }
        }
        PosixFileAttributes a = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!a.isDirectory()) {
            throw new IOException(dir + " is not a directory");
        }
        Path probe = Files.createTempFile(dir, ".owner", ""); // a file this process made: its owner is this user
        try {
            if (!a.owner().equals(Files.getOwner(probe))) {
                throw new IOException(dir + " belongs to " + a.owner().getName() + ", not to this user");
            }
        } finally {
            Files.deleteIfExists(probe);
        }
        Set<PosixFilePermission> p = a.permissions();
        if (p.contains(PosixFilePermission.GROUP_WRITE) || p.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new IOException(dir + " may be written by others (mode "
                    + PosixFilePermissions.toString(p) + ")");
        }
    }

    /**
     * The control socket of the one source running with a default path in {@code dir} (its process alive). IOException
     * naming the directory when there is none, or naming each when there are several.
     */
    static Path findOne(Path dir) throws IOException {
        List<Path> live = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path p : files.sorted().toList()) {
                    String name = p.getFileName().toString();
                    if (name.startsWith(PREFIX) && name.endsWith(SUFFIX) && alive(name)) {
                        live.add(p);
                    }
                }
            }
        }
        if (live.isEmpty()) {
            throw new IOException("no such source: no jmultifd migrate runs with a control socket in " + dir
                    + " (give --control PATH if it was started with one)");
        }
        if (live.size() > 1) {
            throw new IOException("several sources run; give --control with one of: "
                    + String.join(", ", live.stream().map(Path::toString).toList()));
        }
        return live.getFirst();
    }

    private static boolean alive(String name) {
        try {
            long pid = Long.parseLong(name.substring(PREFIX.length(), name.length() - SUFFIX.length()));
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
