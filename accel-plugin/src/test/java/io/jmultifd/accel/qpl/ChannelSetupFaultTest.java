package io.jmultifd.accel.qpl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jmultifd.qpl.QplLibrary;
import io.jmultifd.qpl.jobs.QplCalls;
import io.jmultifd.qpl.jobs.QplException;
import io.jmultifd.qpl.jobs.QplJob;
import io.jmultifd.qpl.jobs.QplPath;
import io.jmultifd.qpl.jobs.QplStatus;
import io.jmultifd.qpl.testing.RequiresLibqpl;
import io.jmultifd.spi.ChannelContext;
import io.jmultifd.spi.ChannelSender;
import io.jmultifd.spi.MethodUnavailableException;
import io.jmultifd.spi.PageCodec;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * Faults at channel setup and at probe time: the process-wide probe passed but a channel's own jobs do not
 * initialise, and work queues that are busy just when the probe runs.
 */
class ChannelSetupFaultTest {

    /** Executors whose setup fails with the given status on the given paths, else opens nothing. */
    private static ChannelExecutors failing(QplStatus hardware, QplStatus software) {
        return new ChannelExecutors() {
            @Override
            public PageCodec hardware(ChannelContext context, QplSettings settings) {
                throw new QplException(hardware.code(), "qpl_init_job", QplPath.HARDWARE);
            }

            @Override
            public PageCodec software(ChannelContext context, QplSettings settings) {
                throw new QplException(software.code(), "qpl_init_job", QplPath.SOFTWARE);
            }
        };
    }

    /** The probe passed on both paths (no bindings behind it: every executor this test opens is injected). */
    private static QplEnvironment probePassed() {
        return new QplEnvironment(Fixtures.loadedLibrary(), Fixtures.works("hardware"), Fixtures.works("software"));
    }

    private static String senderTier(QplMethod method, String path) {
        try (ChannelSender sender = method.newSender(Fixtures.context("qpl-path", path))) {
            return ((PerPageSender) sender).tier();
        }
    }

    private static List<String> logged(Runnable action) {
        Logger logger = Logger.getLogger(QplMethod.class.getName());
        List<String> messages = new ArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord r) {
                messages.add(r.getMessage());
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        logger.addHandler(handler);
        try {
            action.run();
        } finally {
            logger.removeHandler(handler);
        }
        return messages;
    }

    @Test
    @RequiresLibqpl
    void autoWhoseChannelHardwareInitFailsTakesSoftwareAndSaysWhy() {
        ChannelExecutors real = ChannelExecutors.of(QplPath.SOFTWARE, QplCalls::bindings);
        ChannelExecutors hardwareFails = new ChannelExecutors() {
            @Override
            public PageCodec hardware(ChannelContext context, QplSettings settings) {
                return failing(QplStatus.INIT_WORK_QUEUES_NOT_AVAILABLE, QplStatus.OK).hardware(context, settings);
            }

            @Override
            public PageCodec software(ChannelContext context, QplSettings settings) {
                return real.software(context, settings);
            }
        };
        QplEnvironment env = new QplEnvironment(QplLibrary.status(), Fixtures.works("hardware"),
                QplEnvironment.processWide().software());
        QplMethod method = new QplMethod(() -> env, hardwareFails);
        List<String> messages = logged(() -> assertEquals("software", senderTier(method, "auto")));
        assertTrue(messages.stream().anyMatch(m -> m.startsWith("qpl: hardware unavailable (qpl_init_job on the "
                + "hardware path failed: QPL_STS_INIT_WORK_QUEUES_NOT_AVAILABLE (503)")
                && m.contains("using the software path")), messages.toString());
        MethodUnavailableException pinned = assertThrows(MethodUnavailableException.class,
                () -> method.newSender(Fixtures.context("qpl-path", "hardware")));
        assertTrue(pinned.getMessage().startsWith("qpl-path=hardware: hardware path unavailable: qpl_init_job on "
                + "the hardware path failed: QPL_STS_INIT_WORK_QUEUES_NOT_AVAILABLE (503)"), pinned.getMessage());
    }

    @Test
    void autoWhoseChannelJobsBothFailTakesJava() {
        QplMethod method = new QplMethod(ChannelSetupFaultTest::probePassed,
                failing(QplStatus.INIT_WORK_QUEUES_NOT_AVAILABLE, QplStatus.OBJECT_ALLOCATION_ERR));
        List<String> messages = logged(() -> assertEquals("java", senderTier(method, "auto")));
        assertTrue(messages.stream().anyMatch(m -> m.contains("using the java tier")
                && m.contains("QPL_STS_OBJECT_ALLOCATION_ERR")), messages.toString());
    }

    @Test
    void pinnedSoftwareWhoseChannelInitFailsIsUnavailableNamingTheStatus() {
        QplMethod method = new QplMethod(ChannelSetupFaultTest::probePassed,
                failing(QplStatus.INIT_WORK_QUEUES_NOT_AVAILABLE, QplStatus.OBJECT_ALLOCATION_ERR));
        MethodUnavailableException e = assertThrows(MethodUnavailableException.class,
                () -> method.newReceiver(Fixtures.context("qpl-path", "software")));
        assertTrue(e.getMessage().startsWith("qpl-path=software: software path unavailable: qpl_init_job on the "
                + "software path failed: QPL_STS_OBJECT_ALLOCATION_ERR"), e.getMessage());
    }

    /** The real calls, except that every submit finds the work queues busy. */
    private static final class BusyQueues implements QplCalls {
        private final QplCalls real = QplCalls.bindings();
        int submits;

        @Override
        public int execute(MemorySegment job) {
            return real.execute(job);
        }

        @Override
        public int submit(MemorySegment job) {
            submits++;
            return QplStatus.QUEUES_ARE_BUSY_ERR.code();
        }

        @Override
        public int waitFor(MemorySegment job) {
            throw new AssertionError("nothing was submitted, so nothing may be waited for");
        }
    }

    @Test
    @RequiresLibqpl
    void busyQueuesAtProbeTimeDoNotDisableHardwareForTheProcess() {
        BusyQueues busy = new BusyQueues();
        // Software jobs stand in for the probe's hardware job (no IAA here); its submit finds the queues busy.
        QplEnvironment env = QplEnvironment.probe(QplLibrary::status, () -> busy, path -> QplJob.open(QplPath.SOFTWARE));
        assertTrue(busy.submits > 0, "the probe did not submit");
        assertTrue(env.hardware().available(), env.hardware().detail());
        assertTrue(env.hardware().detail().contains("busy"), env.hardware().detail());
        assertEquals("QPL_STS_QUEUES_ARE_BUSY_ERR (5)", env.hardware().status());
        // auto takes the hardware tier (its orchestration on software jobs), whose pages now go through.
        QplMethod method = new QplMethod(() -> env, QplPath.SOFTWARE, QplCalls::bindings);
        assertEquals("hardware", senderTier(method, "auto"));
        assertEquals("hardware", senderTier(method, "hardware"));
    }
}
