package io.jmultifd.qpl.jobs;

import java.lang.foreign.MemorySegment;

/**
 * The three QPL calls that run a prepared job. Everything that executes jobs goes through this interface so
 * that tests can wrap the real bindings with a decorator that injects faults (a busy work queue, a failed
 * completion) while the real library still does the work.
 *
 * <p>Each method returns the raw {@code qpl_status}.
 */
public interface QplCalls {

    /** {@code qpl_execute_job}: runs the job synchronously. */
    int execute(MemorySegment job);

    /** {@code qpl_submit_job}: hands the job to its path; a software job runs inside this call. */
    int submit(MemorySegment job);

    /** {@code qpl_wait_job}: waits for a submitted job to finish and returns its final status. */
    int waitFor(MemorySegment job);

    /**
     * The real libqpl functions. Only call this after {@code QplLibrary.load()} succeeded: the first use
     * links the downcalls, which fails for good in this JVM when libqpl is not loaded.
     */
    static QplCalls bindings() {
        return NativeQplCalls.INSTANCE;
    }
}
