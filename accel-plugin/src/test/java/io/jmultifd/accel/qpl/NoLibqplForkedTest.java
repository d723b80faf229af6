package io.jmultifd.accel.qpl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jmultifd.qpl.QplLibrary;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fault injected: a separate JVM in which the real loader cannot find libqpl. The property points at a missing
 * file, {@code JMULTIFD_QPL_LIBRARY} is empty, the provisioned cache is moved to an empty directory, and the
 * library paths ({@code java.library.path}, {@code LD_LIBRARY_PATH}) name only that directory. The qpl method must
 * still load, report the java tier, pick it under auto, and refuse pinned QPL tiers listing the places tried.
 * A host with libqpl installed system-wide (linker cache or standard directories, which no variable hides from the
 * loader) fails this test with that library named, rather than skipping it.
 */
class NoLibqplForkedTest {

    @Test
    void withoutLibqplTheMethodLoadsAndFallsBackToJava(@TempDir Path emptyCache) throws Exception {
        String missing = emptyCache.resolve("missing").resolve("libqpl.so.1").toString();
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(List.of(java.toString(), "--enable-native-access=ALL-UNNAMED",
                "-D" + QplLibrary.LIBRARY_PROPERTY + "=" + missing,
                "-Djava.library.path=" + emptyCache,
                "-cp", System.getProperty("java.class.path"), NoLibqplMain.class.getName()));
        pb.environment().put(QplLibrary.LIBRARY_ENV, "");
        pb.environment().put("LD_LIBRARY_PATH", emptyCache.toString());
        pb.environment().put("JMULTIFD_CACHE", emptyCache.toString());
        pb.redirectErrorStream(true);
        Process process = pb.start();
        String output;
        try (var in = process.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("forked JVM did not finish; output so far:\n" + output);
        }
        assertEquals(0, process.exitValue(), output);
        Map<String, String> lines = new HashMap<>();
        for (String line : output.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                lines.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        assertEquals("true", lines.get("done"), output);
        assertEquals("not loaded", lines.get("diag.library_path"), () -> "the loader still found libqpl ("
                + lines.get("diag.library_source") + "): a system-wide copy cannot be hidden from it\n" + output);

        assertEquals("tier java", lines.get("auto"), output);
        assertEquals("tier java", lines.get("java"), output);
        assertTrue(lines.get("tier.java").startsWith("true"), output);
        assertTrue(lines.get("tier.software").startsWith("false libqpl not loaded"), output);
        assertTrue(lines.get("tier.hardware").startsWith("false"), output);

        String software = lines.get("software");
        assertTrue(software.startsWith("unavailable qpl-path=software: software path unavailable: libqpl"), software);
        assertTrue(software.contains("system property jmultifd.qpl.library " + missing + ": not found"), software);
        assertTrue(software.contains("provisioned cache"), software);
        assertTrue(software.contains(emptyCache.toString()), software);
        assertTrue(lines.get("hardware").startsWith("unavailable qpl-path=hardware"), lines.get("hardware"));
        assertTrue(lines.get("diag.library_search").contains(missing), output);
    }
}
