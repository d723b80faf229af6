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
 * A separate JVM in which the real loader cannot find libqpl: the property points at a missing file, the
 * provisioned cache is moved to an empty directory, and no system copy is on the library paths. The qpl method
 * must still load, report the java tier, pick it under auto, and refuse pinned QPL tiers listing the places
 * tried. (If this host has libqpl installed system-wide the loader would find it; then the test is skipped.)
 */
class NoLibqplForkedTest {

    @Test
    void withoutLibqplTheMethodLoadsAndFallsBackToJava(@TempDir Path emptyCache) throws Exception {
        String missing = emptyCache.resolve("missing").resolve("libqpl.so.1").toString();
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(List.of(java.toString(), "--enable-native-access=ALL-UNNAMED",
                "-D" + QplLibrary.LIBRARY_PROPERTY + "=" + missing,
                "-cp", System.getProperty("java.class.path"), NoLibqplMain.class.getName()));
        pb.environment().remove(QplLibrary.LIBRARY_ENV);
        pb.environment().remove("LD_LIBRARY_PATH");
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
        org.junit.jupiter.api.Assumptions.assumeFalse(lines.get("auto").equals("tier software")
                || lines.get("auto").equals("tier hardware"), "this host has a system-wide libqpl: " + output);

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
        assertEquals("not loaded", lines.get("diag.library_path"), output);
        assertTrue(lines.get("diag.library_search").contains(missing), output);
    }
}
