package io.jmultifd.qpl;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Finds libqpl, loads it into this JVM once, and says where it came from, or why it could not.
 *
 * <p>The bindings in {@code io.jmultifd.qpl.ffi} resolve their symbols through the class loader's
 * library lookup, so they work only after this class has loaded libqpl with {@link System#load}.
 * Call {@link #load()} or check {@link #status()} before touching anything in that package: a
 * function there that is first used before the library is loaded fails for good in this JVM.
 *
 * <p>Places tried, in order (the first library that loads and is QPL {@value #SUPPORTED_SERIES}.x wins):
 * <ol>
 *   <li>the system property {@value #LIBRARY_PROPERTY} (a path to the library file);</li>
 *   <li>the environment variable {@value #LIBRARY_ENV};</li>
 *   <li>the system's libraries: {@code libqpl.so}/{@value #SONAME} in {@code java.library.path},
 *       {@value #SONAME} in {@code LD_LIBRARY_PATH}, the dynamic linker's cache ({@code ldconfig -p})
 *       and the standard library directories;</li>
 *   <li>the cache that {@code ci/provision-libqpl.sh} fills:
 *       {@code ${JMULTIFD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/jmultifd}/libqpl-1.9.0/lib/libqpl.so.1}.</li>
 * </ol>
 * A library named by the property or the variable is the only one tried: when it is missing, does not load or
 * is of another version, the search stops there and says so, rather than loading some other copy in its
 * place. An empty value counts as not set, as with the shell's {@code ${VAR:-}}.
 * Each candidate is first opened privately (dlopen) to read its version, and only a library that is
 * QPL {@value #SUPPORTED_SERIES}.x is loaded into the JVM: a library of another QPL version would
 * otherwise shadow the right one for good, and its {@code qpl_job} layout may differ from the
 * generated one.
 */
public final class QplLibrary {
    /** System property naming the libqpl file to load; tried first. */
    public static final String LIBRARY_PROPERTY = "jmultifd.qpl.library";
    /** Environment variable naming the libqpl file to load; tried when the property is not set. */
    public static final String LIBRARY_ENV = "JMULTIFD_QPL_LIBRARY";
    /** The shared object name of libqpl 1.x. */
    public static final String SONAME = "libqpl.so.1";
    /** The QPL release the bindings were generated from ({@code qpl/qpl.h}). */
    public static final String BINDINGS_VERSION = "1.9.0";
    /** Library versions accepted: this major.minor, any patch level. */
    public static final String SUPPORTED_SERIES = "1.9";

    private static final System.Logger LOG = System.getLogger(QplLibrary.class.getName());

    private QplLibrary() {
    }

    /** Where a candidate library came from. */
    public enum Source {
        PROPERTY, ENVIRONMENT, SYSTEM, CACHE
    }

    /** What happened to one candidate. */
    public enum Outcome {
        /** The place was not configured (property or variable absent, no cache entry). */
        NOT_SET,
        /** The configured value is not a usable path (empty, a directory, malformed). */
        INVALID,
        /** No file at that path. */
        NOT_FOUND,
        /** The file exists but the dynamic linker refused it. */
        LOAD_FAILED,
        /** The file loads but is not libqpl (lacks QPL's entry points). */
        NOT_QPL,
        /** libqpl, but not of the supported series. */
        WRONG_VERSION,
        /** Loaded into the JVM; the search stopped here. */
        LOADED
    }

    /**
     * One place tried.
     *
     * @param source   which rule produced it
     * @param origin   the place in words, e.g. "system property jmultifd.qpl.library"
     * @param location the path tried, empty when the place was not set
     * @param outcome  what happened
     * @param detail   the reason or the version found, empty when there is nothing to add
     */
    public record Attempt(Source source, String origin, Optional<String> location, Outcome outcome, String detail) {
        public Attempt {
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(origin, "origin");
            Objects.requireNonNull(location, "location");
            Objects.requireNonNull(outcome, "outcome");
            detail = detail == null ? "" : detail;
        }

        /** Whether the user named this place (the property or the variable) rather than the search finding it. */
        public boolean named() {
            return source == Source.PROPERTY || source == Source.ENVIRONMENT;
        }

        @Override
        public String toString() {
            String what = switch (outcome) {
                case NOT_SET -> detail.isEmpty() ? "not set" : detail;
                case INVALID -> "invalid: " + detail;
                case NOT_FOUND -> detail.isEmpty() ? "not found" : "not found (" + detail + ")";
                case LOAD_FAILED -> "failed to load: " + detail;
                case NOT_QPL -> "not libqpl: " + detail;
                case WRONG_VERSION -> "libqpl " + detail + ", but the bindings need " + SUPPORTED_SERIES + ".x";
                case LOADED -> "loaded, version " + detail;
            };
            return origin + location.map(l -> " " + l).orElse("") + ": " + what;
        }
    }

    /**
     * The result of the search.
     *
     * @param available whether libqpl is loaded and the bindings may be used
     * @param path      the library loaded
     * @param source    where it came from
     * @param version   what {@code qpl_get_library_version()} returned
     * @param attempts  every place tried, in order
     */
    public record Status(boolean available, Optional<Path> path, Optional<Source> source, Optional<String> version,
                         List<Attempt> attempts) {
        public Status {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(version, "version");
            attempts = List.copyOf(attempts);
            if (available && (path.isEmpty() || source.isEmpty() || version.isEmpty())) {
                throw new IllegalArgumentException("an available library needs a path, a source and a version");
            }
        }

        /**
         * The library the user named (property or variable) that did not load, which ended the search; empty
         * when the search found nothing by itself, or loaded a library.
         */
        public Optional<Attempt> namedLibraryFailure() {
            if (available || attempts.isEmpty()) {
                return Optional.empty();
            }
            Attempt last = attempts.getLast();
            return last.named() && last.outcome() != Outcome.NOT_SET ? Optional.of(last) : Optional.empty();
        }

        /**
         * Why, in one line: e.g. {@code environment variable JMULTIFD_QPL_LIBRARY /x/libqpl.so.1: not found; ...},
         * or that none of the places searched had a usable library.
         */
        public String reason() {
            if (available) {
                return "libqpl " + version.orElseThrow() + " loaded from " + path.orElseThrow();
            }
            return namedLibraryFailure().map(named -> named + "; " + settingOf(named)
                            + " names the only library tried")
                    .orElseGet(() -> "no usable libqpl " + SUPPORTED_SERIES + ".x in the "
                            + attempts.stream().filter(a -> a.location().isPresent()).count() + " places searched");
        }

        /** One line when available; otherwise every attempt, one per line, and what to do. */
        public String describe() {
            if (available) {
                return "libqpl " + version.orElseThrow() + " loaded from " + path.orElseThrow()
                        + " (" + source.orElseThrow().name().toLowerCase(java.util.Locale.ROOT) + ")";
            }
            Optional<Attempt> named = namedLibraryFailure();
            StringBuilder text = new StringBuilder("libqpl " + SUPPORTED_SERIES + ".x could not be loaded");
            named.ifPresent(n -> text.append(": ").append(n).append("; ").append(settingOf(n))
                    .append(" names the only library tried (fix it, or unset it to search the system and the"
                            + " provisioned cache)"));
            text.append("; tried:");
            for (int i = 0; i < attempts.size(); i++) {
                text.append(System.lineSeparator()).append("  ").append(i + 1).append(". ").append(attempts.get(i));
            }
            if (named.isEmpty()) {
                text.append(System.lineSeparator())
                        .append("  (set -D").append(LIBRARY_PROPERTY).append("=/path/to/").append(SONAME)
                        .append(" or ").append(LIBRARY_ENV).append(", or run ci/provision-libqpl.sh)");
            }
            return text.toString();
        }

        private static String settingOf(Attempt named) {
            return named.source() == Source.PROPERTY ? "-D" + LIBRARY_PROPERTY : LIBRARY_ENV;
        }
    }

    /**
     * Loads libqpl if this JVM has not yet, and returns the status.
     *
     * @throws QplUnavailableException when no place gave a usable libqpl; its message lists every place
     *                                 tried and why each failed
     */
    public static Status load() {
        Status status = status();
        if (!status.available()) {
            throw new QplUnavailableException(status);
        }
        return status;
    }

    /** The search's result, searching (and loading) on the first call. Never throws. */
    public static Status status() {
        return ProcessWide.STATUS;
    }

    /** Class initialisation makes the search run exactly once, on first use, under the JVM's init lock. */
    private static final class ProcessWide {
        static final Status STATUS = searchOnce();

        private static Status searchOnce() {
            Status status;
            try {
                status = LibrarySearch.resolve(LibrarySearch.candidates(SearchInputs.fromProcess()), new NativeProbe());
            } catch (RuntimeException | LinkageError e) {
                // Whatever goes wrong, absence of libqpl must never take the JVM down.
                status = new Status(false, Optional.empty(), Optional.empty(), Optional.empty(),
                        List.of(new Attempt(Source.SYSTEM, "library search", Optional.empty(), Outcome.LOAD_FAILED,
                                "the search itself failed: " + e)));
            }
            LOG.log(System.Logger.Level.DEBUG, status::describe);
            return status;
        }
    }
}
