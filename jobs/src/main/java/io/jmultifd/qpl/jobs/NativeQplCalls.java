package io.jmultifd.qpl.jobs;

import io.jmultifd.qpl.ffi.qpl_h;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** {@link QplCalls} over the jextract downcall handles, held in static finals so the JIT can inline them. */
final class NativeQplCalls implements QplCalls {
    static final NativeQplCalls INSTANCE = new NativeQplCalls();

    private static final MethodHandle EXECUTE = qpl_h.qpl_execute_job$handle();
    private static final MethodHandle SUBMIT = qpl_h.qpl_submit_job$handle();
    private static final MethodHandle WAIT = qpl_h.qpl_wait_job$handle();

    private NativeQplCalls() {}

    @Override
    public int execute(MemorySegment job) {
        try {
            return (int) EXECUTE.invokeExact(job);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int submit(MemorySegment job) {
        try {
            return (int) SUBMIT.invokeExact(job);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int waitFor(MemorySegment job) {
        try {
            return (int) WAIT.invokeExact(job);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("downcall into libqpl threw a checked exception", t);
    }

    @Override
    public String toString() {
        return "libqpl bindings";
    }
}
