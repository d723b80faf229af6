package io.jmultifd.qpl;

import io.jmultifd.qpl.ffi.qpl_h;
import io.jmultifd.qpl.ffi.qpl_job;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The real, process-wide load; runs where ci/provision-libqpl.sh (or a system package) provided libqpl. */
class QplLibraryTest {

    private static boolean libqplExpected() {
        Path cached = SearchInputs.cacheLibrary(System::getenv, System.getProperty("user.home"));
        return Files.exists(cached) || System.getProperty(QplLibrary.LIBRARY_PROPERTY) != null
                || System.getenv(QplLibrary.LIBRARY_ENV) != null;
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
    void provisionedLibraryLoadsAndReportsVersion19() {
        assumeTrue(libqplExpected(), "libqpl is not provisioned here (run ci/provision-libqpl.sh)");

        QplLibrary.Status status = QplLibrary.load();

        assertTrue(status.available(), status::describe);
        assertTrue(status.version().orElseThrow().startsWith("1.9."), status.describe());
        assertTrue(Files.exists(status.path().orElseThrow()));
        assertEquals(QplLibrary.Outcome.LOADED, status.attempts().getLast().outcome());
        // The generated bindings see the library through their loader lookup.
        assertEquals(status.version().orElseThrow(), qpl_h.qpl_get_library_version().getString(0));
    }

    @Test
    void generatedBindingsInitialiseASoftwareJob() {
        assumeTrue(libqplExpected(), "libqpl is not provisioned here (run ci/provision-libqpl.sh)");
        QplLibrary.load();

        try (Arena arena = Arena.ofConfined()) {
            MemorySegment size = arena.allocate(ValueLayout.JAVA_INT);
            assertEquals(qpl_h.QPL_STS_OK(), qpl_h.qpl_get_job_size(qpl_h.qpl_path_software(), size));
            int jobSize = size.get(ValueLayout.JAVA_INT, 0);
            assertTrue(jobSize >= qpl_job.sizeof(), "job buffer " + jobSize + " holds the qpl_job struct");
            MemorySegment job = arena.allocate(jobSize, 64);
            assertEquals(qpl_h.QPL_STS_OK(), qpl_h.qpl_init_job(qpl_h.qpl_path_software(), job));
            assertEquals(qpl_h.qpl_path_software(), qpl_aux_dataPath(job));
            assertEquals(qpl_h.QPL_STS_OK(), qpl_h.qpl_fini_job(job));
        }
    }

    private static int qpl_aux_dataPath(MemorySegment job) {
        return io.jmultifd.qpl.ffi.qpl_aux_data.path(qpl_job.data_ptr(job));
    }
}
