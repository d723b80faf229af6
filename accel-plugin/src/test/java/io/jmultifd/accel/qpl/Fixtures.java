package io.jmultifd.accel.qpl;

import io.jmultifd.qpl.QplLibrary;
import io.jmultifd.qpl.jobs.Pages;
import io.jmultifd.qpl.jobs.QplCalls;
import io.jmultifd.qpl.jobs.QplPath;
import io.jmultifd.spi.ChannelContext;
import io.jmultifd.spi.MethodParameters;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/** Environments, methods and contexts for the qpl method tests. */
final class Fixtures {
    static final int MAX_PAGES = 16;

    private Fixtures() {}

    /** All {@code out} segments concatenated into memory of {@code arena}, as the wire delivers a payload. */
    static MemorySegment concat(Arena arena, List<MemorySegment> out) {
        long size = 0;
        for (MemorySegment s : out) {
            size += s.byteSize();
        }
        MemorySegment payload = arena.allocate(Math.max(1, size), 64).asSlice(0, size);
        long at = 0;
        for (MemorySegment s : out) {
            MemorySegment.copy(s, 0, payload, at, s.byteSize());
            at += s.byteSize();
        }
        return payload;
    }

    static ChannelContext context(String... parameters) {
        return new ChannelContext(0, Pages.PAGE, MAX_PAGES, MethodParameters.of(parameters));
    }

    /** The real method of this process (ServiceLoader's). */
    static QplMethod real() {
        return new QplMethod();
    }

    /**
     * The method with the hardware tier's batch orchestration running on software-path jobs (no IAA here), through
     * {@code calls}: qpl-path=hardware then exercises submit/wait, resubmission and fallback for real.
     */
    static QplMethod hardwareOnSoftwareJobs(Supplier<QplCalls> calls) {
        QplEnvironment real = QplEnvironment.processWide();
        QplEnvironment env = new QplEnvironment(real.library(),
                new QplEnvironment.PathCheck(true, 0, "software-path jobs standing in for IAA (test)"),
                real.software());
        return new QplMethod(() -> env, QplPath.SOFTWARE, calls);
    }

    /** An environment where the loader found nothing; {@code marker} makes its log lines unique to a test. */
    static QplEnvironment noLibqpl(String marker) {
        QplLibrary.Status missing = new QplLibrary.Status(false, Optional.empty(), Optional.empty(), Optional.empty(),
                List.of(new QplLibrary.Attempt(QplLibrary.Source.PROPERTY, "system property jmultifd.qpl.library",
                        Optional.of("/nonexistent/" + marker + "/libqpl.so.1"), QplLibrary.Outcome.NOT_FOUND, "")));
        return QplEnvironment.probe(() -> missing, () -> {
            throw new AssertionError("the bindings must not be touched when libqpl is not loaded");
        });
    }

    /** A loader status that says libqpl loaded, for environments whose QPL tiers never touch the bindings. */
    static QplLibrary.Status loadedLibrary() {
        return new QplLibrary.Status(true, Optional.of(java.nio.file.Path.of("/test/fake/libqpl.so.1")),
                Optional.of(QplLibrary.Source.CACHE), Optional.of("1.9.0"), List.of());
    }

    /** A working path, as the probe would report it. */
    static QplEnvironment.PathCheck works(String what) {
        return new QplEnvironment.PathCheck(true, 0, what + " (test)");
    }

    static QplMethod withEnvironment(QplEnvironment env) {
        return new QplMethod(() -> env, QplPath.HARDWARE, () -> {
            throw new AssertionError("the bindings must not be touched when libqpl is not loaded");
        });
    }
}
