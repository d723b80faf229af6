package io.jmultifd.accel.qpl;

import io.jmultifd.qpl.QplLibrary;
import io.jmultifd.qpl.jobs.QplCalls;
import io.jmultifd.qpl.jobs.QplException;
import io.jmultifd.qpl.jobs.QplJob;
import io.jmultifd.qpl.jobs.QplPath;
import io.jmultifd.qpl.jobs.QplStatus;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What this process can use for the {@code qpl} method: whether libqpl loaded (from where, which version, or
 * every place tried), and whether a hardware job and a software job each really work. Probed once per
 * process ({@link #processWide()}): a probe initialises jobs, which on a real IAA host opens work queues.
 *
 * @param library  the loader's result
 * @param hardware a hardware job initialised and accepted a trivial compression, or found the work queues busy
 * @param software a software job compressed and inflated a page back to the same bytes
 */
record QplEnvironment(QplLibrary.Status library, PathCheck hardware, PathCheck software) {
    private static final System.Logger LOG = System.getLogger(QplMethod.class.getName());
    /** Messages already logged: each choice is said once per process, not once per channel. */
    private static final Set<String> LOGGED = ConcurrentHashMap.newKeySet();
    /** Size of the probe page; any page size works, the probe only asks whether jobs run. */
    private static final int PROBE_PAGE = 4096;

    QplEnvironment {
        Objects.requireNonNull(library, "library");
        Objects.requireNonNull(hardware, "hardware");
        Objects.requireNonNull(software, "software");
    }

    /**
     * The outcome of one path's probe.
     *
     * @param available  the path works
     * @param statusCode the {@code qpl_status} that decided it, -1 when no QPL call was reached
     * @param detail     what failed and where, or what works
     */
    record PathCheck(boolean available, int statusCode, String detail) {
        static PathCheck notReached(String why) {
            return new PathCheck(false, -1, why);
        }

        /** Name and code, e.g. {@code QPL_STS_INIT_LIBACCEL_NOT_FOUND (501)}, or "not probed". */
        String status() {
            return statusCode < 0 ? "not probed" : QplStatus.describe(statusCode);
        }
    }

    /** The probe result of this process, computed on first use. */
    static QplEnvironment processWide() {
        return ProcessWide.ENVIRONMENT;
    }

    private static final class ProcessWide {
        static final QplEnvironment ENVIRONMENT = probe(QplLibrary::status, QplCalls::bindings);
    }

    /**
     * Loads libqpl (through {@code library}) and probes both paths. Never throws: whatever fails becomes an
     * unavailable path with the reason.
     */
    static QplEnvironment probe(Supplier<QplLibrary.Status> library, Supplier<QplCalls> calls) {
        return probe(library, calls, QplJob::open);
    }

    /**
     * As {@link #probe(Supplier, Supplier)}, with the probe jobs opened by {@code openJob}: tests stand software
     * jobs in for IAA, or make a path's initialisation fail with a chosen status.
     */
    static QplEnvironment probe(Supplier<QplLibrary.Status> library, Supplier<QplCalls> calls,
                                Function<QplPath, QplJob> openJob) {
        QplLibrary.Status status = library.get();
        if (!status.available()) {
            // One line that says why (the named file and its failure, or how many places were searched).
            String why = "libqpl not loaded (" + status.reason() + ")";
            return new QplEnvironment(status, PathCheck.notReached(why), PathCheck.notReached(why));
        }
        // Only now may anything touch the bindings.
        QplCalls qpl;
        try {
            qpl = calls.get();
        } catch (RuntimeException | LinkageError e) {
            PathCheck broken = PathCheck.notReached("libqpl loaded but its functions cannot be bound: " + e);
            return new QplEnvironment(status, broken, broken);
        }
        String library1 = "libqpl " + status.version().orElse("?") + " at " + status.path().map(Object::toString)
                .orElse("?");
        return new QplEnvironment(status, probePath(QplPath.HARDWARE, qpl, library1, openJob),
                probePath(QplPath.SOFTWARE, qpl, library1, openJob));
    }

    /**
     * Opens a job of {@code path} and runs one compression of a small page on it: submit + wait on the
     * hardware path (the way it is used), execute on the software path, whose output is also inflated and
     * compared. Work queues that answer busy exist and are enabled, only full at this moment: the path is
     * available (a page that finds them busy later is resubmitted, then done in software), since this probe
     * decides for the whole life of the process.
     */
    private static PathCheck probePath(QplPath path, QplCalls calls, String library, Function<QplPath, QplJob> openJob) {
        try (QplJob job = openJob.apply(path); Arena arena = Arena.ofConfined()) {
            MemorySegment page = arena.allocate(PROBE_PAGE, 64);
            for (int i = 0; i < PROBE_PAGE; i++) {
                page.set(ValueLayout.JAVA_BYTE, i, (byte) ("jmultifd qpl probe " + (i / 97)).charAt(i % 19));
            }
            MemorySegment stream = arena.allocate(PROBE_PAGE - 1, 64);
            job.prepareCompress(page, PROBE_PAGE, stream, PROBE_PAGE - 1, false);
            int status;
            String step;
            if (path == QplPath.HARDWARE) {
                step = "qpl_submit_job";
                status = calls.submit(job.segment());
                if (status == QplStatus.QUEUES_ARE_BUSY_ERR.code()) {
                    return new PathCheck(true, status, path.tierName() + " path of " + library
                            + "; its work queues were busy when probed");
                }
                if (status == QplStatus.OK.code()) {
                    step = "qpl_wait_job";
                    status = calls.waitFor(job.segment());
                }
            } else {
                step = "qpl_execute_job";
                status = calls.execute(job.segment());
            }
            if (status != QplStatus.OK.code()) {
                return failed(status, step + " of a probe compression");
            }
            int length = job.totalOut();
            if (path == QplPath.SOFTWARE) {
                MemorySegment back = arena.allocate(PROBE_PAGE, 64);
                job.prepareDecompress(stream, length, back, PROBE_PAGE);
                status = calls.execute(job.segment());
                if (status != QplStatus.OK.code()) {
                    return failed(status, "qpl_execute_job of a probe decompression");
                }
                if (job.totalOut() != PROBE_PAGE || back.mismatch(page) != -1) {
                    return new PathCheck(false, status, "probe page did not survive compress + decompress");
                }
            }
            return new PathCheck(true, QplStatus.OK.code(), path.tierName() + " path of " + library);
        } catch (QplException e) {
            return failed(e.statusCode(), e.operation());
        } catch (RuntimeException | LinkageError e) {
            return PathCheck.notReached(path.tierName() + " probe failed: " + e);
        }
    }

    private static PathCheck failed(int status, String step) {
        return new PathCheck(false, status, QplStatus.describe(status) + " from " + step + " - "
                + QplStatus.fromCode(status).description());
    }

    /** Where libqpl came from, e.g. {@code /root/.cache/.../libqpl.so.1}, or "not loaded". */
    String libraryPath() {
        return library.path().map(Object::toString).orElse("not loaded");
    }

    String librarySource() {
        return library.source().map(s -> s.name().toLowerCase(Locale.ROOT)).orElse("none");
    }

    String libraryVersion() {
        return library.version().orElse("none");
    }

    /** "libqpl 1.9.0 at /path". */
    String libraryLine() {
        return "libqpl " + libraryVersion() + " at " + libraryPath();
    }

    /** Logs {@code message} at INFO unless this process already logged the same message. */
    static void logOnce(String message) {
        if (LOGGED.add(message)) {
            LOG.log(System.Logger.Level.INFO, message);
        }
    }
}
