package io.jmultifd.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The bindings hold Linux x86-64's constants, so the owner layer must refuse to run anywhere else with a reason,
 * never call libc with the wrong values or take the JVM down. Another architecture is simulated the way the owner
 * layer sees it: a child JVM started with {@code -Dos.arch=aarch64} (its libc is still this machine's).
 */
class UnavailableElsewhereTest {
    private static final String REASON = "the bindings are Linux x86-64's, this is Linux aarch64";

    @Test
    void onAnotherArchitectureEveryCallRefusesWithTheReason() throws Exception {
        Map<String, String> report = childReport("-Dos.arch=aarch64");

        assertEquals("false", report.get("available"), report.toString());
        assertEquals(REASON, report.get("reason"), report.toString());
        assertEquals("errno 28", report.get("strerror"), "no libc call, and no crash: " + report);
        for (String call : List.of("open", "close", "flock", "posixFallocate", "isatty", "mapAnonymous", "madvise",
                "pageSize", "residentPages", "mapAnonymousAligned", "threadPageFaults", "dlopen", "userfaultfd")) {
            assertEquals("IllegalStateException: Linux calls are unavailable: " + REASON, report.get(call),
                    call + ": " + report);
        }
    }

    private static Map<String, String> childReport(String jvmOption) throws Exception {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", jvmOption, "-cp", System.getProperty("java.class.path"),
                ElsewhereReportMain.class.getName());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
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
}
