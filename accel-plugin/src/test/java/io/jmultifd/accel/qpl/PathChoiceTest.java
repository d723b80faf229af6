package io.jmultifd.accel.qpl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jmultifd.qpl.testing.RequiresLibqpl;
import io.jmultifd.spi.ChannelReceiver;
import io.jmultifd.spi.ChannelSender;
import io.jmultifd.spi.MethodUnavailableException;
import io.jmultifd.spi.TierStatus;
import io.jmultifd.sw.perpage.PerPageReceiver;
import io.jmultifd.sw.perpage.PerPageSender;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** qpl-path: auto's choice, pinned tiers, and the errors for pinned tiers that cannot run. */
class PathChoiceTest {

    private static String senderTier(QplMethod method, String... parameters) {
        try (ChannelSender sender = method.newSender(Fixtures.context(parameters))) {
            return ((PerPageSender) sender).tier();
        }
    }

    @Test
    @RequiresLibqpl
    void pinnedHardwareOnThisHostNamesTheQplStatus() {
        QplEnvironment env = QplEnvironment.processWide();
        Assumptions.assumeFalse(env.hardware().available(), "this host has a working IAA hardware path");
        MethodUnavailableException e = assertThrows(MethodUnavailableException.class,
                () -> Fixtures.real().newSender(Fixtures.context("qpl-path", "hardware")));
        assertTrue(e.getMessage().startsWith("qpl-path=hardware: hardware path unavailable: QPL_STS_"), e.getMessage());
        assertTrue(e.getMessage().contains(env.hardware().status()), e.getMessage());
        // The status is a real one with its code, e.g. QPL_STS_INIT_LIBACCEL_NOT_FOUND (501).
        assertTrue(env.hardware().status().matches("QPL_STS_[A-Z_0-9]+ \\(\\d+\\)"), env.hardware().status());
        assertThrows(MethodUnavailableException.class,
                () -> Fixtures.real().newReceiver(Fixtures.context("qpl-path", "hardware")));
    }

    @Test
    @RequiresLibqpl
    void autoTakesHardwareWhenItWorksElseSoftware() {
        QplEnvironment env = QplEnvironment.processWide();
        assertTrue(env.software().available(), env.software().detail());
        String expected = env.hardware().available() ? "hardware" : "software";
        assertEquals(expected, senderTier(Fixtures.real()));
        assertEquals(expected, senderTier(Fixtures.real(), "qpl-path", "auto"));
        try (ChannelReceiver receiver = Fixtures.real().newReceiver(Fixtures.context())) {
            assertEquals(expected, ((PerPageReceiver) receiver).tier());
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
    void tiersAndDiagnosticsWithLibqpl() {
        QplMethod method = Fixtures.real();
        QplEnvironment env = QplEnvironment.processWide();
        List<TierStatus> tiers = method.tiers();
        assertTrue(tiers.get(1).available(), tiers.get(1).detail());
        assertTrue(tiers.get(1).detail().contains(env.libraryPath()), tiers.get(1).detail());
        assertTrue(tiers.get(1).detail().contains("QPL_STS_OK (0)"), tiers.get(1).detail());
        assertEquals(env.hardware().available(), tiers.get(0).available());
        Map<String, String> d = method.diagnostics();
        assertTrue(d.get("library_version").startsWith("1.9"), d.toString());
        assertTrue(d.get("library_path").endsWith(".so.1") || d.get("library_path").endsWith(".so"), d.toString());
        assertEquals("QPL_STS_OK (0)", d.get("software_status"));
        assertTrue(d.get("hardware_status").matches("QPL_STS_[A-Z_0-9]+ \\(\\d+\\)"), d.toString());
        assertFalse(d.containsKey("library_search"));
    }
}
