package io.jmultifd.qpl;

import io.jmultifd.qpl.testing.LibqplExtension;
import io.jmultifd.qpl.testing.RequiresLibqpl;

import io.jmultifd.qpl.ffi.qpl_h;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real, process-wide load, each case in a child JVM whose property, environment variables and provisioned
 * cache the test sets, so what the loader must do follows from the test's own inputs and not from what this
 * host happens to have installed. A real libqpl 1.9 file is the fixture: the one ci/provision-libqpl.sh
 * provides (by the rule of {@link RequiresLibqpl}: CI sets JMULTIFD_REQUIRE_QPL=1, and then a missing fixture fails
 * the test instead of skipping it).
 */
class QplLibraryTest {

    @TempDir
    Path dir;

    /** A real libqpl 1.9 shared object to hand to the child JVMs (skip or fail as {@link RequiresLibqpl} says). */
    private static Path libqplFixture() {
        return LibqplExtension.libraryFile();
    }

    /** A cache directory laid out as ci/provision-libqpl.sh lays it out, holding a link to {@code library}. */
    private Path cacheHolding(Path library) throws IOException {
        Path cache = dir.resolve("cache");
        Path lib = Files.createDirectories(cache.resolve("libqpl-" + QplLibrary.BINDINGS_VERSION).resolve("lib"));
        Files.createSymbolicLink(lib.resolve(QplLibrary.SONAME), library);
        return cache;
    }

    /**
     * {@link LoaderReportMain} in a child JVM: {@code property} as -Djmultifd.qpl.library (null: absent),
     * {@code variables} set in its environment (a null value removes the variable), LD_LIBRARY_PATH removed.
     */
    private static Map<String, String> childReport(String property, Map<String, String> variables)
            throws IOException, InterruptedException {
        return childReport(List.of(), property, variables);
    }

    /** As {@link #childReport(String, Map)}, with {@code jvmOptions} before the class path. */
    private static Map<String, String> childReport(List<String> jvmOptions, String property,
            Map<String, String> variables) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED"));
        command.addAll(jvmOptions);
        if (property != null) {
            command.add("-D" + QplLibrary.LIBRARY_PROPERTY + "=" + property);
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), LoaderReportMain.class.getName()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().remove("LD_LIBRARY_PATH");
        builder.environment().remove(QplLibrary.LIBRARY_ENV);
        variables.forEach((name, value) -> {
            if (value == null) {
                builder.environment().remove(name);
            } else {
                builder.environment().put(name, value);
            }
        });
        Process process = builder.start();
        String output;
        try (InputStream in = process.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!process.waitFor(60, TimeUnit.SECONDS)) { // a bound against a hang, never what is asserted
            process.destroyForcibly();
        }
        assertEquals(0, process.exitValue(), output);
        Map<String, String> report = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                report.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        assertEquals("true", report.get("done"), output);
        return report;
    }

    @Test
    void statusNeverThrowsAndIsStable() {
        QplLibrary.Status first = QplLibrary.status();
        assertSame(first, QplLibrary.status(), "the search runs once per JVM");
        assertTrue(first.attempts().size() >= 1);
        if (!first.available()) {
            assertTrue(first.describe().contains("could not be loaded"), first.describe());
        }
    }

    @Test
    void libraryNamedByThePropertyLoadsAndTheBindingsRunASoftwareJob() throws Exception {
        Path library = libqplFixture();

        Map<String, String> report = childReport(library.toString(), Map.of("JMULTIFD_CACHE",
                dir.resolve("empty-cache").toString()));

        assertEquals("true", report.get("available"), report.toString());
        assertEquals("PROPERTY", report.get("source"), report.toString());
        assertEquals(library.toAbsolutePath().toString(), report.get("path"), report.toString());
        assertTrue(report.get("version").startsWith("1.9."), report.toString());
        assertEquals("1", report.get("attempts"), "the search stops at the library that loaded: " + report);
        assertEquals("ok", report.get("load"), report.toString());
        // The generated bindings see the library through their loader lookup.
        assertEquals(report.get("version"), report.get("bindings_version"), report.toString());
        String ok = Integer.toString(qpl_h.QPL_STS_OK());
        assertEquals(ok, report.get("job_size_status"), report.toString());
        assertEquals("true", report.get("job_size_fits"), "the job buffer holds the qpl_job struct: " + report);
        assertEquals(ok, report.get("init_status"), report.toString());
        assertEquals("true", report.get("job_path_software"), report.toString());
        assertEquals(ok, report.get("fini_status"), report.toString());
    }

    @Test
    void propertyNamingAMissingFileIsAnErrorThoughTheCacheHoldsALibrary() throws Exception {
        Path cache = cacheHolding(libqplFixture());
        Path missing = dir.resolve("missing").resolve(QplLibrary.SONAME);

        Map<String, String> report = childReport(missing.toString(), Map.of("JMULTIFD_CACHE", cache.toString()));

        assertEquals("false", report.get("available"), "the cached copy must not stand in: " + report);
        assertEquals("1", report.get("attempts"), report.toString());
        assertEquals("system property jmultifd.qpl.library " + missing + ": not found", report.get("named_failure"));
        assertTrue(report.get("load").startsWith("threw libqpl 1.9.x could not be loaded: system property "
                + "jmultifd.qpl.library " + missing + ": not found; -Djmultifd.qpl.library names the only library"
                + " tried"), report.get("load"));
    }

    @Test
    void variableNamingAFileThatIsNotALibraryIsAnErrorThoughTheCacheHoldsALibrary() throws Exception {
        Path cache = cacheHolding(libqplFixture());
        Path text = Files.writeString(dir.resolve(QplLibrary.SONAME), "not an ELF shared object\n".repeat(8));

        Map<String, String> report = childReport(null, Map.of("JMULTIFD_CACHE", cache.toString(),
                QplLibrary.LIBRARY_ENV, text.toString()));

        assertEquals("false", report.get("available"), "the cached copy must not stand in: " + report);
        assertEquals("2", report.get("attempts"), report.toString());
        assertTrue(report.get("named_failure").startsWith("environment variable JMULTIFD_QPL_LIBRARY " + text
                + ": failed to load: "), report.toString());
        assertTrue(report.get("load").startsWith("threw libqpl 1.9.x could not be loaded: environment variable "
                + "JMULTIFD_QPL_LIBRARY " + text + ": failed to load: "), report.get("load"));
    }

    /**
     * The probe's dlopen comes from linux-bindings, which is Linux x86-64's only: elsewhere (simulated as that layer
     * sees it, with -Dos.arch) even a good libqpl is not probed, and the attempt and the error say why.
     */
    @Test
    void onAnotherArchitectureNothingIsProbedAndTheAttemptSaysWhy() throws Exception {
        Path library = libqplFixture();

        Map<String, String> report = childReport(List.of("-Dos.arch=aarch64"), library.toString(),
                Map.of("JMULTIFD_CACHE", dir.resolve("empty-cache").toString()));

        String why = ": failed to load: cannot be probed: the bindings are Linux x86-64's, this is Linux aarch64";
        assertEquals("false", report.get("available"), report.toString());
        assertEquals("1", report.get("attempts"), report.toString());
        assertEquals("system property jmultifd.qpl.library " + library + why, report.get("attempt.1"),
                report.toString());
        assertTrue(report.get("load").startsWith("threw libqpl 1.9.x could not be loaded: system property "
                + "jmultifd.qpl.library " + library + why), report.get("load"));
    }

    @Test
    void emptyVariableCountsAsNotSetAndTheSearchGoesOn() throws Exception {
        Path cache = cacheHolding(libqplFixture());

        Map<String, String> report = childReport(null, Map.of("JMULTIFD_CACHE", cache.toString(),
                QplLibrary.LIBRARY_ENV, ""));

        assertEquals("environment variable JMULTIFD_QPL_LIBRARY: set but empty, which counts as not set",
                report.get("attempt.2"), report.toString());
        assertEquals("true", report.get("available"), report.toString());
        assertFalse(report.get("source").equals("ENVIRONMENT"), report.toString());
        assertTrue(report.get("version").startsWith("1.9."), report.toString());
    }
}
