package io.jmultifd.qpl;

import io.jmultifd.qpl.LibrarySearch.Candidate;
import io.jmultifd.qpl.QplLibrary.Attempt;
import io.jmultifd.qpl.QplLibrary.Outcome;
import io.jmultifd.qpl.QplLibrary.Source;
import io.jmultifd.qpl.QplLibrary.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LibrarySearchTest {

    @TempDir
    Path dir;

    /** A probe that accepts the files it was told about, with the versions it was told, and records loads. */
    private static final class FakeProbe implements LibraryProbe {
        final Map<Path, String> versions;
        final List<Path> loaded = new ArrayList<>();

        FakeProbe(Map<Path, String> versions) {
            this.versions = versions;
        }

        @Override
        public String version(Path library) throws ProbeFailure {
            String version = versions.get(library);
            if (version == null) {
                throw new ProbeFailure(Outcome.LOAD_FAILED, "fake: not a library");
            }
            return version;
        }

        @Override
        public void loadIntoJvm(Path library) {
            loaded.add(library);
        }
    }

    private Path file(String name) throws IOException {
        return Files.writeString(dir.resolve(name), "placeholder for " + name);
    }

    /** Inputs where nothing but the given property and environment values can be found. */
    private SearchInputs inputs(String property, String environment) {
        return new SearchInputs(property, environment, dir.resolve("jlp").toString(), "",
                SearchInputs.LinkerCache.of(), List.of(dir.resolve("std")), dir.resolve("cache/libqpl.so.1"));
    }

    /** Inputs where the given file is in a standard library directory and the cache holds {@code cached}. */
    private SearchInputs inputsWithSystemLibrary(String property, String environment, Path cached) {
        return new SearchInputs(property, environment, "", "", SearchInputs.LinkerCache.of(),
                List.of(dir.resolve("std")), cached);
    }

    private Path systemLibrary() throws IOException {
        Files.createDirectories(dir.resolve("std"));
        return Files.writeString(dir.resolve("std/libqpl.so.1"), "placeholder for a system libqpl");
    }

    @Test
    void propertyPointingToMissingFileStopsTheSearchWithAnErrorNamingIt() throws IOException {
        Path missing = dir.resolve("missing/libqpl.so.1");
        Path fromEnv = file("env-libqpl.so.1");
        Path system = systemLibrary();
        Path cached = file("cached-libqpl.so.1");
        FakeProbe probe = new FakeProbe(Map.of(fromEnv, "1.9.0", system, "1.9.0", cached, "1.9.0"));

        Status status = LibrarySearch.resolve(LibrarySearch.candidates(
                inputsWithSystemLibrary(missing.toString(), fromEnv.toString(), cached)), probe);

        assertFalse(status.available(), "another copy must not stand in for the named one");
        assertEquals(List.of(), probe.loaded);
        assertEquals(1, status.attempts().size(), "the search stops at the named library: " + status.attempts());
        Attempt first = status.attempts().getFirst();
        assertEquals(Source.PROPERTY, first.source());
        assertEquals(Outcome.NOT_FOUND, first.outcome());
        assertEquals(Optional.of(first), status.namedLibraryFailure());
        String firstLine = status.describe().lines().findFirst().orElseThrow();
        assertEquals("libqpl 1.9.x could not be loaded: system property jmultifd.qpl.library " + missing
                + ": not found; -Djmultifd.qpl.library names the only library tried (fix it, or unset it to search"
                + " the system and the provisioned cache); tried:", firstLine);
        assertEquals("system property jmultifd.qpl.library " + missing + ": not found"
                + "; -Djmultifd.qpl.library names the only library tried", status.reason());
        QplUnavailableException error = new QplUnavailableException(status);
        assertTrue(error.getMessage().startsWith(firstLine), error.getMessage());
    }

    @Test
    void environmentNamingAFileThatDoesNotLoadStopsTheSearchWithTheLinkersReason() throws IOException {
        Path notALibrary = Files.writeString(dir.resolve("text-libqpl.so.1"), "text, not an ELF object\n".repeat(8));
        Path cached = file("cached-libqpl.so.1");
        FakeProbe cache = new FakeProbe(Map.of(cached, "1.9.0"));
        LibraryProbe probe = new LibraryProbe() {
            private final NativeProbe real = new NativeProbe();

            @Override
            public String version(Path library) throws ProbeFailure {
                return library.equals(notALibrary) ? real.version(library) : cache.version(library);
            }

            @Override
            public void loadIntoJvm(Path library) {
                cache.loadIntoJvm(library);
            }
        };

        Status status = LibrarySearch.resolve(LibrarySearch.candidates(
                inputsWithSystemLibrary(null, notALibrary.toString(), cached)), probe);

        assertFalse(status.available());
        assertEquals(List.of(), cache.loaded, "the cached copy is not loaded in place of the named file");
        Attempt named = status.namedLibraryFailure().orElseThrow();
        assertEquals(Source.ENVIRONMENT, named.source());
        assertEquals(Outcome.LOAD_FAILED, named.outcome());
        assertTrue(status.reason().startsWith("environment variable JMULTIFD_QPL_LIBRARY " + notALibrary
                + ": failed to load: " + notALibrary), status.reason());
        assertTrue(status.reason().endsWith("; JMULTIFD_QPL_LIBRARY names the only library tried"), status.reason());
        assertTrue(status.describe().contains("fix it, or unset it"), status.describe());
    }

    @Test
    void emptyPropertyAndEmptyVariableCountAsNotSet() throws IOException {
        Path system = systemLibrary();
        FakeProbe probe = new FakeProbe(Map.of(system, "1.9.0"));

        Status status = LibrarySearch.resolve(LibrarySearch.candidates(
                inputsWithSystemLibrary("", "", dir.resolve("cache/libqpl.so.1"))), probe);

        assertTrue(status.available(), status::describe);
        assertEquals(Optional.of(Source.SYSTEM), status.source());
        assertEquals(List.of(system), probe.loaded);
        assertEquals(List.of(Outcome.NOT_SET, Outcome.NOT_SET),
                status.attempts().subList(0, 2).stream().map(Attempt::outcome).toList());
        assertEquals("environment variable JMULTIFD_QPL_LIBRARY: set but empty, which counts as not set",
                status.attempts().get(1).toString());
    }

    @Test
    void environmentIsUsedWhenPropertyIsAbsent() throws IOException {
        Path fromEnv = file("env-libqpl.so.1");
        FakeProbe probe = new FakeProbe(Map.of(fromEnv, "1.9.0"));

        Status status = LibrarySearch.resolve(LibrarySearch.candidates(inputs(null, fromEnv.toString())), probe);

        assertEquals(Outcome.NOT_SET, status.attempts().get(0).outcome());
        assertEquals("system property jmultifd.qpl.library: not set", status.attempts().get(0).toString());
        assertEquals(Outcome.LOADED, status.attempts().get(1).outcome());
        assertEquals(2, status.attempts().size(), "the search stops at the library that loaded");
        assertEquals(Optional.of(fromEnv), status.path());
        assertEquals(Optional.of(Source.ENVIRONMENT), status.source());
        assertEquals(Optional.of("1.9.0"), status.version());
    }

    @Test
    void propertyWinsOverEnvironment() throws IOException {
        Path fromProperty = file("prop-libqpl.so.1");
        Path fromEnv = file("env-libqpl.so.1");
        FakeProbe probe = new FakeProbe(Map.of(fromProperty, "1.9.0", fromEnv, "1.9.0"));

        Status status = LibrarySearch.resolve(
                LibrarySearch.candidates(inputs(fromProperty.toString(), fromEnv.toString())), probe);

        assertEquals(Optional.of(Source.PROPERTY), status.source());
        assertEquals(List.of(fromProperty), probe.loaded);
    }

    @Test
    void fileThatIsNotALibraryIsListedWithTheDynamicLinkersReason() throws IOException {
        Path notALibrary = Files.writeString(dir.resolve("libqpl.so.1"), "this is text, not an ELF shared object\n".repeat(8));

        Status status = LibrarySearch.resolve(LibrarySearch.candidates(inputs(notALibrary.toString(), null)),
                new NativeProbe());

        Attempt first = status.attempts().getFirst();
        assertEquals(Outcome.LOAD_FAILED, first.outcome());
        assertTrue(first.detail().contains(notALibrary.toString()), "dlerror names the file: " + first.detail());
        assertTrue(first.detail().toLowerCase().contains("elf"), "dlerror says why: " + first.detail());
        assertTrue(first.toString().contains("failed to load: "), first.toString());
        assertFalse(status.available());
    }

    @Test
    void libraryThatIsNotQplIsListedAsSuch() {
        // The JDK's own libzip: a real shared object without QPL's entry points.
        Path libzip = Path.of(System.getProperty("java.home"), "lib", "libzip.so");
        assertTrue(Files.exists(libzip), "test needs " + libzip);

        Status status = LibrarySearch.resolve(LibrarySearch.candidates(inputs(libzip.toString(), null)),
                new NativeProbe());

        Attempt first = status.attempts().getFirst();
        assertEquals(Outcome.NOT_QPL, first.outcome());
        assertTrue(first.detail().contains("qpl_get_library_version"), first.detail());
    }

    @Test
    void namedLibraryOfAnotherQplVersionIsNeverLoadedAndStopsTheSearch() throws IOException {
        Path newer = file("newer-libqpl.so.1");
        Path right = file("right-libqpl.so.1");
        FakeProbe probe = new FakeProbe(Map.of(newer, "1.10.0", right, "1.9.2"));

        Status status = LibrarySearch.resolve(LibrarySearch.candidates(inputs(newer.toString(), right.toString())), probe);

        assertFalse(status.available());
        assertEquals(List.of(), probe.loaded);
        assertEquals(Outcome.WRONG_VERSION, status.namedLibraryFailure().orElseThrow().outcome());
        assertTrue(status.reason().contains("libqpl 1.10.0, but the bindings need 1.9.x"), status.reason());
    }

    @Test
    void systemLibraryOfAnotherQplVersionIsNeverLoadedAndSearchContinues() throws IOException {
        Path newer = systemLibrary();
        Path cached = file("cached-libqpl.so.1");
        FakeProbe probe = new FakeProbe(Map.of(newer, "1.10.0", cached, "1.9.2"));

        Status status = LibrarySearch.resolve(LibrarySearch.candidates(inputsWithSystemLibrary(null, null, cached)),
                probe);

        Attempt system = status.attempts().stream().filter(a -> a.source() == Source.SYSTEM
                && a.location().isPresent()).findFirst().orElseThrow();
        assertEquals(Outcome.WRONG_VERSION, system.outcome());
        assertTrue(system.toString().contains("libqpl 1.10.0, but the bindings need 1.9.x"), system.toString());
        assertEquals(List.of(cached), probe.loaded, "only the 1.9 library is loaded into the JVM");
        assertEquals(Optional.of("1.9.2"), status.version());
        assertEquals(Optional.of(Source.CACHE), status.source());
    }

    @Test
    void namedDirectoryIsInvalidAndStopsTheSearch() throws IOException {
        Path directory = Files.createDirectory(dir.resolve("a-directory"));

        Status status = LibrarySearch.resolve(LibrarySearch.candidates(inputs(null, directory.toString())),
                new FakeProbe(Map.of()));

        assertEquals(2, status.attempts().size(), status.attempts().toString());
        assertEquals(Outcome.INVALID, status.attempts().get(1).outcome());
        assertTrue(status.attempts().get(1).detail().contains("directory"), status.attempts().get(1).detail());
        assertEquals(Optional.of(status.attempts().get(1)), status.namedLibraryFailure());
    }

    @Test
    void jvmRefusingANamedLibraryStopsTheSearch() throws IOException {
        Path refused = file("refused-libqpl.so.1");
        Path accepted = file("accepted-libqpl.so.1");
        FakeProbe probe = new FakeProbe(Map.of(refused, "1.9.0", accepted, "1.9.0"));

        Status status = LibrarySearch.resolve(
                LibrarySearch.candidates(inputs(refused.toString(), accepted.toString())), refusing(probe, refused));

        assertFalse(status.available());
        assertEquals(Outcome.LOAD_FAILED, status.namedLibraryFailure().orElseThrow().outcome());
        assertEquals("already loaded in another classloader", status.attempts().get(0).detail());
        assertEquals(List.of(), probe.loaded);
    }

    @Test
    void jvmRefusingASystemLibraryIsRecordedAndSearchContinues() throws IOException {
        Path refused = systemLibrary();
        Path cached = file("cached-libqpl.so.1");
        FakeProbe probe = new FakeProbe(Map.of(refused, "1.9.0", cached, "1.9.0"));

        Status status = LibrarySearch.resolve(
                LibrarySearch.candidates(inputsWithSystemLibrary(null, null, cached)), refusing(probe, refused));

        assertTrue(status.attempts().stream().anyMatch(a -> a.outcome() == Outcome.LOAD_FAILED
                && a.detail().equals("already loaded in another classloader")), status.attempts().toString());
        assertEquals(Optional.of(cached), status.path());
        assertEquals(List.of(cached), probe.loaded);
        assertEquals(Optional.empty(), status.namedLibraryFailure());
    }

    /** {@code probe}, except that the JVM refuses to load {@code refused}. */
    private static LibraryProbe refusing(FakeProbe probe, Path refused) {
        return new LibraryProbe() {
            @Override
            public String version(Path library) throws ProbeFailure {
                return probe.version(library);
            }

            @Override
            public void loadIntoJvm(Path library) throws ProbeFailure {
                if (library.equals(refused)) {
                    throw new ProbeFailure(Outcome.LOAD_FAILED, "already loaded in another classloader");
                }
                probe.loadIntoJvm(library);
            }
        };
    }

    @Test
    void whenNothingLoadsTheExceptionNamesEveryPlaceTried() {
        Path jlp = dir.resolve("jlp");
        Path ld = dir.resolve("ld");
        Path std = dir.resolve("std");
        Path cache = dir.resolve("cache/libqpl-1.9.0/lib/libqpl.so.1");
        SearchInputs inputs = new SearchInputs(null, null, jlp.toString(), ld.toString(),
                SearchInputs.LinkerCache.unreadable("no ldconfig in this test"), List.of(std), cache);

        Status status = LibrarySearch.resolve(LibrarySearch.candidates(inputs), new NativeProbe());
        String message = new QplUnavailableException(status).getMessage();

        assertFalse(status.available());
        List<String> expected = List.of(
                "system property jmultifd.qpl.library: not set",
                "environment variable JMULTIFD_QPL_LIBRARY: not set",
                "java.library.path " + jlp.resolve("libqpl.so") + ": not found",
                "java.library.path " + jlp.resolve("libqpl.so.1") + ": not found",
                "LD_LIBRARY_PATH " + ld.resolve("libqpl.so.1") + ": not found",
                "dynamic linker cache (ldconfig -p): not read: no ldconfig in this test",
                "standard library directory " + std.resolve("libqpl.so.1") + ": not found",
                "provisioned cache (ci/provision-libqpl.sh) " + cache + ": not found");
        assertEquals(expected, status.attempts().stream().map(Attempt::toString).toList());
        for (int i = 0; i < expected.size(); i++) {
            assertTrue(message.contains((i + 1) + ". " + expected.get(i)), "message lists " + expected.get(i) + ":\n" + message);
        }
        assertTrue(message.contains("-Djmultifd.qpl.library"), message);
        assertEquals(Optional.empty(), status.namedLibraryFailure());
        assertEquals("no usable libqpl 1.9.x in the 5 places searched", status.reason());
    }

    @Test
    void candidatesComeInTheDocumentedOrder() {
        Path jlp = dir.resolve("jlp");
        Path ld = dir.resolve("ld");
        Path cached = dir.resolve("ldcache/libqpl.so.1");
        Path std = dir.resolve("std");
        Path cache = dir.resolve("cache/libqpl.so.1");
        SearchInputs inputs = new SearchInputs("p", "e", jlp.toString(), ld.toString(),
                SearchInputs.LinkerCache.of(cached), List.of(std), cache);

        List<Candidate> candidates = LibrarySearch.candidates(inputs);

        assertEquals(List.of("p", "e", jlp.resolve("libqpl.so").toString(), jlp.resolve("libqpl.so.1").toString(),
                        ld.resolve("libqpl.so.1").toString(), cached.toString(), std.resolve("libqpl.so.1").toString(),
                        cache.toString()),
                candidates.stream().map(Candidate::location).toList());
        assertEquals(List.of(Source.PROPERTY, Source.ENVIRONMENT, Source.SYSTEM, Source.SYSTEM, Source.SYSTEM,
                        Source.SYSTEM, Source.SYSTEM, Source.CACHE),
                candidates.stream().map(Candidate::source).toList());
    }

    @Test
    void sameFileReachedByTwoSystemRulesIsTriedOnce() throws IOException {
        Path libDir = Files.createDirectory(dir.resolve("lib"));
        Files.writeString(libDir.resolve("libqpl.so.1"), "x");
        Path alias = Files.createSymbolicLink(dir.resolve("alias"), libDir);
        SearchInputs inputs = new SearchInputs(null, null, libDir.toString(), alias.toString(),
                SearchInputs.LinkerCache.of(libDir.resolve("libqpl.so.1")), List.of(alias), dir.resolve("c"));

        long tries = LibrarySearch.candidates(inputs).stream()
                .filter(c -> c.source() == Source.SYSTEM && c.location() != null && c.location().endsWith("libqpl.so.1"))
                .count();

        assertEquals(1, tries);
    }

    @Test
    void versionSeriesCheck() {
        assertTrue(LibrarySearch.isSupported("1.9.0"));
        assertTrue(LibrarySearch.isSupported("1.9.12"));
        assertTrue(LibrarySearch.isSupported("1.9"));
        assertFalse(LibrarySearch.isSupported("1.90.0"));
        assertFalse(LibrarySearch.isSupported("1.8.0"));
        assertFalse(LibrarySearch.isSupported("2.9.0"));
        assertFalse(LibrarySearch.isSupported(""));
    }
}
