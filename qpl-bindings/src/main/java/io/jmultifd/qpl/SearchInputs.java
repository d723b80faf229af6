package io.jmultifd.qpl;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * Everything the library search depends on, gathered from the process by {@link #fromProcess()} or
 * given directly by tests, so the search order can be checked without touching process-wide state.
 *
 * @param property        value of the system property, null when absent
 * @param environment     value of the environment variable, null when absent
 * @param javaLibraryPath {@code java.library.path}, may be empty
 * @param ldLibraryPath   {@code LD_LIBRARY_PATH}, may be empty
 * @param linkerCache     libqpl.so.1 entries of the dynamic linker's cache, or why it could not be read
 * @param standardDirs    the system's standard library directories
 * @param cacheLibrary    where ci/provision-libqpl.sh puts the library
 */
record SearchInputs(String property, String environment, String javaLibraryPath, String ldLibraryPath,
                    LinkerCache linkerCache, List<Path> standardDirs, Path cacheLibrary) {

    SearchInputs {
        javaLibraryPath = javaLibraryPath == null ? "" : javaLibraryPath;
        ldLibraryPath = ldLibraryPath == null ? "" : ldLibraryPath;
        Objects.requireNonNull(linkerCache, "linkerCache");
        standardDirs = List.copyOf(standardDirs);
        Objects.requireNonNull(cacheLibrary, "cacheLibrary");
    }

    /**
     * The libqpl.so.1 paths in the dynamic linker's cache.
     *
     * @param entries       paths listed for the soname, in the cache's order
     * @param failureReason why the cache could not be read, empty when it was read
     */
    record LinkerCache(List<Path> entries, Optional<String> failureReason) {
        LinkerCache {
            entries = List.copyOf(entries);
            Objects.requireNonNull(failureReason, "failureReason");
        }

        static LinkerCache of(Path... entries) {
            return new LinkerCache(List.of(entries), Optional.empty());
        }

        static LinkerCache unreadable(String reason) {
            return new LinkerCache(List.of(), Optional.of(reason));
        }
    }

    /** The inputs of this process: its properties, environment, linker cache and home directory. */
    static SearchInputs fromProcess() {
        return new SearchInputs(
                System.getProperty(QplLibrary.LIBRARY_PROPERTY),
                System.getenv(QplLibrary.LIBRARY_ENV),
                System.getProperty("java.library.path", ""),
                System.getenv("LD_LIBRARY_PATH"),
                readLinkerCache(),
                standardDirs(System.getProperty("os.arch", "")),
                cacheLibrary(System::getenv, System.getProperty("user.home", "")));
    }

    /**
     * The provisioned library's path, by the same rule as ci/provision-libqpl.sh:
     * {@code ${JMULTIFD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/jmultifd}/libqpl-1.9.0/lib/libqpl.so.1}
     * (an empty variable counts as unset, as with the shell's {@code :-}).
     */
    static Path cacheLibrary(UnaryOperator<String> environment, String userHome) {
        Path root;
        String jmultifdCache = nonEmpty(environment.apply("JMULTIFD_CACHE"));
        if (jmultifdCache != null) {
            root = Path.of(jmultifdCache);
        } else {
            String xdgCache = nonEmpty(environment.apply("XDG_CACHE_HOME"));
            String home = nonEmpty(environment.apply("HOME"));
            Path cacheHome = xdgCache != null ? Path.of(xdgCache) : Path.of(home != null ? home : userHome, ".cache");
            root = cacheHome.resolve("jmultifd");
        }
        return root.resolve("libqpl-" + QplLibrary.BINDINGS_VERSION).resolve("lib").resolve(QplLibrary.SONAME);
    }

    /** Library directories the dynamic linker searches by default, Debian's multiarch ones first. */
    static List<Path> standardDirs(String osArch) {
        List<Path> dirs = new ArrayList<>();
        String multiarch = switch (osArch.toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64" -> "x86_64-linux-gnu";
            case "aarch64", "arm64" -> "aarch64-linux-gnu";
            default -> null;
        };
        dirs.add(Path.of("/usr/local/lib"));
        if (multiarch != null) {
            dirs.add(Path.of("/usr/lib", multiarch));
            dirs.add(Path.of("/lib", multiarch));
        }
        dirs.add(Path.of("/usr/lib64"));
        dirs.add(Path.of("/lib64"));
        dirs.add(Path.of("/usr/lib"));
        dirs.add(Path.of("/lib"));
        return dirs;
    }

    /** Runs {@code ldconfig -p} and keeps the libqpl.so.1 entries. */
    static LinkerCache readLinkerCache() {
        Path ldconfig = null;
        for (String candidate : List.of("/sbin/ldconfig", "/usr/sbin/ldconfig")) {
            if (Files.isExecutable(Path.of(candidate))) {
                ldconfig = Path.of(candidate);
                break;
            }
        }
        if (ldconfig == null) {
            return LinkerCache.unreadable("no ldconfig in /sbin or /usr/sbin");
        }
        try {
            Process process = new ProcessBuilder(ldconfig.toString(), "-p")
                    .redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            String output;
            try (InputStream in = process.getInputStream()) {
                output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return LinkerCache.unreadable(ldconfig + " -p did not finish");
            }
            if (process.exitValue() != 0) {
                return LinkerCache.unreadable(ldconfig + " -p exited with " + process.exitValue());
            }
            return parseLinkerCache(output);
        } catch (IOException e) {
            return LinkerCache.unreadable(ldconfig + " -p could not run: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return LinkerCache.unreadable(ldconfig + " -p was interrupted");
        }
    }

    /** Parses {@code ldconfig -p} output: lines like {@code \tlibqpl.so.1 (libc6,x86-64) => /usr/lib/.../libqpl.so.1}. */
    static LinkerCache parseLinkerCache(String output) {
        List<Path> entries = new ArrayList<>();
        for (String line : output.split("\n")) {
            String trimmed = line.strip();
            int arrow = trimmed.indexOf(" => ");
            if (arrow < 0 || !trimmed.startsWith(QplLibrary.SONAME + " ")) {
                continue;
            }
            try {
                entries.add(Path.of(trimmed.substring(arrow + 4).strip()));
            } catch (InvalidPathException ignored) {
                // A cache line we cannot read as a path is not a candidate.
            }
        }
        return new LinkerCache(entries, Optional.empty());
    }

    private static String nonEmpty(String value) {
        return value == null || value.isEmpty() ? null : value;
    }
}
