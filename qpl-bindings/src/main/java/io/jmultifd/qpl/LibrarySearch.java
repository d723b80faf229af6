package io.jmultifd.qpl;

import io.jmultifd.qpl.QplLibrary.Attempt;
import io.jmultifd.qpl.QplLibrary.Outcome;
import io.jmultifd.qpl.QplLibrary.Source;
import io.jmultifd.qpl.QplLibrary.Status;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/** The search order and the walk through it; free of process-wide state so tests can drive it. */
final class LibrarySearch {

    private LibrarySearch() {
    }

    /**
     * A place to try.
     *
     * @param source       which rule produced it
     * @param origin       the place in words
     * @param location     the path as configured, or null when the place is not set
     * @param absentReason shown when {@code location} is null (e.g. "not set")
     */
    record Candidate(Source source, String origin, String location, String absentReason) {
        Candidate {
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(origin, "origin");
        }

        static Candidate at(Source source, String origin, Path path) {
            return new Candidate(source, origin, path.toString(), null);
        }

        /** Set by the user (property or variable) rather than found: it is the only library tried then. */
        boolean named() {
            return (source == Source.PROPERTY || source == Source.ENVIRONMENT) && location != null;
        }
    }

    /** The places to try, in order; see {@link QplLibrary} for the rules. */
    static List<Candidate> candidates(SearchInputs inputs) {
        List<Candidate> candidates = new ArrayList<>();
        candidates.add(named(Source.PROPERTY, "system property " + QplLibrary.LIBRARY_PROPERTY, inputs.property()));
        candidates.add(named(Source.ENVIRONMENT, "environment variable " + QplLibrary.LIBRARY_ENV,
                inputs.environment()));

        // System places; the same file reached by two rules is tried once, under the first.
        Set<Path> seen = new HashSet<>();
        for (Path dir : directories(inputs.javaLibraryPath())) {
            // System.loadLibrary("qpl") would look for libqpl.so here; the soname is what a runtime package ships.
            addOnce(candidates, seen, Candidate.at(Source.SYSTEM, "java.library.path", dir.resolve("libqpl.so")));
            addOnce(candidates, seen, Candidate.at(Source.SYSTEM, "java.library.path", dir.resolve(QplLibrary.SONAME)));
        }
        for (Path dir : directories(inputs.ldLibraryPath())) {
            addOnce(candidates, seen, Candidate.at(Source.SYSTEM, "LD_LIBRARY_PATH", dir.resolve(QplLibrary.SONAME)));
        }
        SearchInputs.LinkerCache linkerCache = inputs.linkerCache();
        if (linkerCache.entries().isEmpty()) {
            candidates.add(new Candidate(Source.SYSTEM, "dynamic linker cache (ldconfig -p)", null,
                    linkerCache.failureReason().map(reason -> "not read: " + reason)
                            .orElse("no " + QplLibrary.SONAME + " entry")));
        }
        for (Path entry : linkerCache.entries()) {
            addOnce(candidates, seen, Candidate.at(Source.SYSTEM, "dynamic linker cache (ldconfig -p)", entry));
        }
        for (Path dir : inputs.standardDirs()) {
            addOnce(candidates, seen, Candidate.at(Source.SYSTEM, "standard library directory",
                    dir.resolve(QplLibrary.SONAME)));
        }

        candidates.add(Candidate.at(Source.CACHE, "provisioned cache (ci/provision-libqpl.sh)", inputs.cacheLibrary()));
        return candidates;
    }

    /**
     * The property or the variable: an empty value counts as not set, as with the shell's {@code ${VAR:-}}
     * (so {@code JMULTIFD_QPL_LIBRARY= jmultifd ...} turns the override off).
     */
    private static Candidate named(Source source, String origin, String value) {
        if (value == null) {
            return new Candidate(source, origin, null, "not set");
        }
        return value.isEmpty() ? new Candidate(source, origin, null, "set but empty, which counts as not set")
                : new Candidate(source, origin, value, null);
    }

    /**
     * Tries the candidates in order until one is QPL of the supported series and loads into the JVM.
     * Every candidate tried is recorded, including the one that loaded. A library named by the property or
     * the variable that does not load ends the search: another copy found elsewhere would silently stand in
     * for the one the user asked for.
     */
    static Status resolve(List<Candidate> candidates, LibraryProbe probe) {
        List<Attempt> attempts = new ArrayList<>();
        for (Candidate candidate : candidates) {
            Tried tried = tryOne(candidate, probe);
            attempts.add(tried.attempt());
            if (tried.attempt().outcome() == Outcome.LOADED) {
                return new Status(true, Optional.of(tried.path()), Optional.of(candidate.source()),
                        Optional.of(tried.attempt().detail()), attempts);
            }
            if (candidate.named()) {
                break;
            }
        }
        return new Status(false, Optional.empty(), Optional.empty(), Optional.empty(), attempts);
    }

    /** One candidate's attempt, and the absolute path it loaded from when it loaded. */
    private record Tried(Attempt attempt, Path path) {
    }

    private static Tried tryOne(Candidate candidate, LibraryProbe probe) {
        Optional<String> location = Optional.ofNullable(candidate.location());
        if (candidate.location() == null) {
            return failed(candidate, Outcome.NOT_SET, candidate.absentReason());
        }
        Path path;
        try {
            if (candidate.location().isBlank()) {
                return failed(candidate, Outcome.INVALID, "the value is blank");
            }
            path = Path.of(candidate.location()).toAbsolutePath();
        } catch (InvalidPathException e) {
            return failed(candidate, Outcome.INVALID, "not a path: " + e.getMessage());
        }
        if (!Files.exists(path)) {
            return failed(candidate, Outcome.NOT_FOUND, "");
        }
        if (Files.isDirectory(path)) {
            return failed(candidate, Outcome.INVALID,
                    "is a directory, expected the library file (e.g. .../" + QplLibrary.SONAME + ")");
        }
        String version;
        try {
            version = probe.version(path);
        } catch (LibraryProbe.ProbeFailure failure) {
            return failed(candidate, failure.outcome(), failure.getMessage());
        }
        if (!isSupported(version)) {
            return failed(candidate, Outcome.WRONG_VERSION, version);
        }
        try {
            probe.loadIntoJvm(path);
        } catch (LibraryProbe.ProbeFailure failure) {
            return failed(candidate, failure.outcome(), failure.getMessage());
        }
        return new Tried(new Attempt(candidate.source(), candidate.origin(), location, Outcome.LOADED, version), path);
    }

    private static Tried failed(Candidate candidate, Outcome outcome, String detail) {
        return new Tried(new Attempt(candidate.source(), candidate.origin(), Optional.ofNullable(candidate.location()),
                outcome, detail), null);
    }

    /** Whether a library version string names the series the bindings were generated for. */
    static boolean isSupported(String version) {
        return version.equals(QplLibrary.SUPPORTED_SERIES) || version.startsWith(QplLibrary.SUPPORTED_SERIES + ".");
    }

    private static List<Path> directories(String searchPath) {
        List<Path> dirs = new ArrayList<>();
        for (String entry : searchPath.split(File.pathSeparator)) {
            if (entry.isBlank()) {
                continue;
            }
            try {
                dirs.add(Path.of(entry));
            } catch (InvalidPathException ignored) {
                // Not a directory name; the dynamic linker would skip it too.
            }
        }
        return dirs;
    }

    private static void addOnce(List<Candidate> candidates, Set<Path> seen, Candidate candidate) {
        Path path = Path.of(candidate.location()).toAbsolutePath().normalize();
        Path identity;
        try {
            // /lib and /usr/lib are one directory on merged-/usr systems: compare real files when they exist.
            identity = Files.exists(path) ? path.toRealPath() : path;
        } catch (java.io.IOException e) {
            identity = path;
        }
        if (seen.add(identity)) {
            candidates.add(candidate);
        }
    }
}
