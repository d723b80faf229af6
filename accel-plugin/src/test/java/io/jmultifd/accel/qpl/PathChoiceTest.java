package io.jmultifd.accel.qpl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jmultifd.qpl.QplLibrary;
import io.jmultifd.qpl.jobs.QplCalls;
import io.jmultifd.qpl.jobs.QplException;
import io.jmultifd.qpl.jobs.QplJob;
import io.jmultifd.qpl.jobs.QplPath;
import io.jmultifd.qpl.jobs.QplStatus;
import io.jmultifd.qpl.testing.RequiresLibqpl;
import io.jmultifd.spi.ChannelReceiver;
import io.jmultifd.spi.ChannelSender;
import io.jmultifd.spi.MethodParameters;
import io.jmultifd.spi.MethodUnavailableException;
import io.jmultifd.spi.TierStatus;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** qpl-path: auto's choice, pinned tiers, and the errors for pinned tiers that cannot run. */
class PathChoiceTest {

    private static String senderTier(QplMethod method, String... parameters) {
        try (ChannelSender sender = method.newSender(Fixtures.context(parameters))) {
            return ((PerPageSender) sender).tier();
        }
    }

    /** Opens probe jobs as QPL would, except that {@code failing} paths fail qpl_init_job with {@code status}. */
    private static Function<QplPath, QplJob> initFails(QplStatus status, QplPath... failing) {
        return path -> {
            if (List.of(failing).contains(path)) {
                throw new QplException(status.code(), "qpl_init_job", path);
            }
            return QplJob.open(path);
        };
    }

    /** The probe of a host whose hardware jobs fail to initialise with 501, as on a host without IAA. */
    private static QplEnvironment hardwareInitFails(Supplier<QplLibrary.Status> library, Supplier<QplCalls> calls,
                                                    QplPath... failing) {
        return QplEnvironment.probe(library, calls, initFails(QplStatus.INIT_LIBACCEL_NOT_FOUND, failing));
    }

    @Test
    void pinnedHardwareWhoseJobsDoNotInitialiseNamesTheQplStatus() {
        // Both paths fail at init, so nothing touches the bindings: runs without libqpl.
        QplCalls untouchable = new QplCalls() {
            @Override
            public int execute(MemorySegment job) {
                throw new AssertionError("the probe must not run a job that failed to initialise");
            }

            @Override
            public int submit(MemorySegment job) {
                throw new AssertionError("the probe must not run a job that failed to initialise");
            }

            @Override
            public int waitFor(MemorySegment job) {
                throw new AssertionError("the probe must not run a job that failed to initialise");
            }
        };
        QplEnvironment env = hardwareInitFails(Fixtures::loadedLibrary, () -> untouchable, QplPath.HARDWARE,
                QplPath.SOFTWARE);
        QplMethod method = Fixtures.withEnvironment(env);
        String expected = "qpl-path=hardware: hardware path unavailable: QPL_STS_INIT_LIBACCEL_NOT_FOUND (501) from "
                + "qpl_init_job - libaccel is not found or not compatible";
        MethodUnavailableException e = assertThrows(MethodUnavailableException.class,
                () -> method.newSender(Fixtures.context("qpl-path", "hardware")));
        assertEquals(expected, e.getMessage());
        MethodUnavailableException r = assertThrows(MethodUnavailableException.class,
                () -> method.newReceiver(Fixtures.context("qpl-path", "hardware")));
        assertEquals(expected, r.getMessage());
        assertEquals("QPL_STS_INIT_LIBACCEL_NOT_FOUND (501)", env.hardware().status());
    }

    @Test
    @RequiresLibqpl
    void autoTakesHardwareWhenItsJobsWork() {
        // Software jobs stand in for IAA: the hardware tier's probe and its batch orchestration really run.
        QplEnvironment env = QplEnvironment.probe(QplLibrary::status, QplCalls::bindings,
                path -> QplJob.open(QplPath.SOFTWARE));
        assertTrue(env.hardware().available(), env.hardware().detail());
        QplMethod method = new QplMethod(() -> env, QplPath.SOFTWARE, QplCalls::bindings);
        assertEquals("hardware", senderTier(method));
        assertEquals("hardware", senderTier(method, "qpl-path", "auto"));
        try (ChannelReceiver receiver = method.newReceiver(Fixtures.context())) {
            assertEquals("hardware", ((PerPageReceiver) receiver).tier());
        }
    }

    @Test
    @RequiresLibqpl
    void autoTakesSoftwareWhenHardwareJobsDoNotInitialise() {
        QplEnvironment env = hardwareInitFails(QplLibrary::status, QplCalls::bindings, QplPath.HARDWARE);
        assertFalse(env.hardware().available());
        assertTrue(env.software().available(), env.software().detail());
        QplMethod method = new QplMethod(() -> env, QplPath.HARDWARE, QplCalls::bindings);
        assertEquals("software", senderTier(method));
        assertEquals("software", senderTier(method, "qpl-path", "auto"));
        try (ChannelReceiver receiver = method.newReceiver(Fixtures.context())) {
            assertEquals("software", ((PerPageReceiver) receiver).tier());
        }
    }

    @Test
    void autoWithoutLibqplTakesJavaAndSaysSoOnce() {
        QplMethod method = Fixtures.withEnvironment(Fixtures.noLibqpl("auto-logs-once"));
        Logger logger = Logger.getLogger(QplMethod.class.getName());
        List<LogRecord> records = new ArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getMessage().contains("auto-logs-once")) {
                    records.add(r);
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        logger.addHandler(handler);
        try {
            assertEquals("java", senderTier(method));
            assertEquals("java", senderTier(method, "qpl-path", "auto"));
            try (ChannelReceiver receiver = method.newReceiver(Fixtures.context())) {
                assertEquals("java", ((PerPageReceiver) receiver).tier());
            }
        } finally {
            logger.removeHandler(handler);
        }
        assertEquals(1, records.size(), "one log line per process, got " + records.size());
        assertEquals(Level.INFO, records.get(0).getLevel());
        assertTrue(records.get(0).getMessage().contains("using the java tier"), records.get(0).getMessage());
    }

    @Test
    void pinnedSoftwareWithoutLibqplListsThePlacesTried() {
        QplMethod method = Fixtures.withEnvironment(Fixtures.noLibqpl("pinned-software"));
        MethodUnavailableException e = assertThrows(MethodUnavailableException.class,
                () -> method.newSender(Fixtures.context("qpl-path", "software")));
        assertTrue(e.getMessage().startsWith("qpl-path=software: software path unavailable: libqpl"), e.getMessage());
        assertTrue(e.getMessage().contains("/nonexistent/pinned-software/libqpl.so.1: not found"), e.getMessage());
        MethodUnavailableException hw = assertThrows(MethodUnavailableException.class,
                () -> method.newReceiver(Fixtures.context("qpl-path", "hardware")));
        assertTrue(hw.getMessage().contains("tried:"), hw.getMessage());
    }

    @Test
    void checkUsableRefusesAPinnedTierThisHostLacksWithTheChannelsReason() {
        // Both paths' jobs fail to initialise with 501, as the hardware path's do on a host without IAA (so no
        // job runs and no libqpl is needed).
        QplCalls noJob = new QplCalls() {
            @Override
            public int execute(MemorySegment job) {
                throw new AssertionError("no job may run");
            }

            @Override
            public int submit(MemorySegment job) {
                throw new AssertionError("no job may run");
            }

            @Override
            public int waitFor(MemorySegment job) {
                throw new AssertionError("no job may run");
            }
        };
        QplMethod noIaa = Fixtures.withEnvironment(hardwareInitFails(Fixtures::loadedLibrary, () -> noJob,
                QplPath.HARDWARE, QplPath.SOFTWARE));
        MethodUnavailableException e = assertThrows(MethodUnavailableException.class,
                () -> noIaa.checkUsable(MethodParameters.of("qpl-path", "hardware")));
        assertEquals("qpl-path=hardware: hardware path unavailable: QPL_STS_INIT_LIBACCEL_NOT_FOUND (501) from "
                + "qpl_init_job - libaccel is not found or not compatible", e.getMessage());
        noIaa.checkUsable(MethodParameters.of("qpl-path", "auto"));
        noIaa.checkUsable(MethodParameters.of("qpl-path", "java"));
        noIaa.checkUsable(MethodParameters.of());

        QplMethod noLibqpl = Fixtures.withEnvironment(Fixtures.noLibqpl("check-usable"));
        MethodUnavailableException software = assertThrows(MethodUnavailableException.class,
                () -> noLibqpl.checkUsable(MethodParameters.of("qpl-path", "software")));
        assertTrue(software.getMessage().startsWith("qpl-path=software: software path unavailable: libqpl"),
                software.getMessage());
        noLibqpl.checkUsable(MethodParameters.of("qpl-path", "java"));
        assertThrows(IllegalArgumentException.class, () -> noIaa.checkUsable(MethodParameters.of("qpl-path", "iaa")));
    }

    @Test
    void javaIsAlwaysAvailableAndPinnable() {
        assertEquals("java", senderTier(Fixtures.withEnvironment(Fixtures.noLibqpl("java")), "qpl-path", "java"));
        assertEquals("java", senderTier(Fixtures.real(), "qpl-path", "java"));
    }

    @Test
    void tiersAndDiagnosticsWithoutLibqpl() {
        QplMethod method = Fixtures.withEnvironment(Fixtures.noLibqpl("tiers"));
        List<TierStatus> tiers = method.tiers();
        assertEquals(List.of("hardware", "software", "java"), tiers.stream().map(TierStatus::tier).toList());
        assertFalse(tiers.get(0).available());
        assertFalse(tiers.get(1).available());
        assertTrue(tiers.get(2).available());
        assertTrue(tiers.get(1).detail().contains("libqpl not loaded"), tiers.get(1).detail());
        Map<String, String> d = method.diagnostics();
        assertEquals("not loaded", d.get("library_path"));
        assertEquals("not probed", d.get("hardware_status"));
        assertTrue(d.get("library_search").contains("/nonexistent/tiers/libqpl.so.1"), d.get("library_search"));
    }

    @Test
    @RequiresLibqpl
    void tiersAndDiagnosticsWithLibqplAndNoHardware() {
        QplEnvironment env = hardwareInitFails(QplLibrary::status, QplCalls::bindings, QplPath.HARDWARE);
        QplMethod method = new QplMethod(() -> env, QplPath.HARDWARE, QplCalls::bindings);
        String library = QplLibrary.status().path().orElseThrow().toString();
        List<TierStatus> tiers = method.tiers();
        assertFalse(tiers.get(0).available());
        assertEquals("QPL_STS_INIT_LIBACCEL_NOT_FOUND (501) from qpl_init_job - libaccel is not found or not "
                + "compatible", tiers.get(0).detail());
        assertTrue(tiers.get(1).available(), tiers.get(1).detail());
        assertEquals("software path of libqpl " + QplLibrary.status().version().orElseThrow() + " at " + library
                + " (QPL_STS_OK (0))", tiers.get(1).detail());
        Map<String, String> d = method.diagnostics();
        assertTrue(d.get("library_version").startsWith(QplLibrary.SUPPORTED_SERIES + "."), d.toString());
        assertEquals(library, d.get("library_path"));
        assertEquals("QPL_STS_OK (0)", d.get("software_status"));
        assertEquals("QPL_STS_INIT_LIBACCEL_NOT_FOUND (501)", d.get("hardware_status"));
        assertFalse(d.containsKey("library_search"));
    }
}
