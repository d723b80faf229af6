package io.jmultifd.qpl.jobs;

import io.jmultifd.qpl.ffi.qpl_job;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

/**
 * Wraps the real bindings and injects faults per page (a job is recognised by its input address, i.e. the
 * page or stream it was prepared with): a number of busy answers at submit (the job is not
 * handed to QPL then), a failed status at wait (QPL still runs and finishes the job, as a device would,
 * but the caller is told it failed), a wait that says OK but leaves another output size in the job, a failed
 * execute (the job is not run), or an exception thrown by submit or wait (the wait's job stays in flight).
 * Counts real submits and waits so a test can check none is left in flight.
 */
final class FaultyCalls implements QplCalls {
    private final QplCalls real;
    /** input address -> busy answers still to give */
    private final Map<Long, Integer> busy = new HashMap<>();
    private final Map<Long, Integer> failAtWait = new HashMap<>();
    private final Map<Long, Integer> failAtSubmit = new HashMap<>();
    private final Map<Long, Integer> failExecute = new HashMap<>();
    private final Map<Long, Integer> totalOutAtWait = new HashMap<>();
    private final Map<Long, RuntimeException> throwAtSubmit = new HashMap<>();
    private final Map<Long, RuntimeException> throwAtWait = new HashMap<>();
    private final Map<Long, Integer> throwsAtWaitLeft = new HashMap<>();
    private boolean alwaysBusy;
    /** job address -> input address at submit (QPL advances next_in_ptr while it works) */
    private final Map<Long, Long> submittedInput = new HashMap<>();
    int realSubmits;
    /** real submits that QPL accepted: each must be waited for */
    int accepted;
    int realWaits;
    int executes;
    int busyAnswers;

    FaultyCalls(QplCalls real) {
        this.real = real;
    }

    /** The next {@code times} submits of the job reading {@code input} answer QUEUES_ARE_BUSY_ERR. */
    FaultyCalls busy(MemorySegment input, int times) {
        busy.put(input.address(), times);
        return this;
    }

    /** Every submit of every job answers busy. */
    FaultyCalls alwaysBusy() {
        alwaysBusy = true;
        return this;
    }

    /** The next wait of the job reading {@code input} reports {@code status}. */
    FaultyCalls failAtWait(MemorySegment input, QplStatus status) {
        failAtWait.put(input.address(), status.code());
        return this;
    }

    /** The next submit of the job reading {@code input} reports {@code status} without submitting. */
    FaultyCalls failAtSubmit(MemorySegment input, QplStatus status) {
        failAtSubmit.put(input.address(), status.code());
        return this;
    }

    /** The next execute of the job reading {@code input} reports {@code status} without running the job. */
    FaultyCalls failExecute(MemorySegment input, QplStatus status) {
        failExecute.put(input.address(), status.code());
        return this;
    }

    /** The next wait of the job reading {@code input} reports OK but leaves {@code totalOut} as its output size. */
    FaultyCalls okAtWaitWithTotalOut(MemorySegment input, int totalOut) {
        totalOutAtWait.put(input.address(), totalOut);
        return this;
    }

    /** The next submit of the job reading {@code input} throws {@code e} without submitting. */
    FaultyCalls throwAtSubmit(MemorySegment input, RuntimeException e) {
        throwAtSubmit.put(input.address(), e);
        return this;
    }

    /** The next wait of the job reading {@code input} throws {@code e} without waiting: the job stays in flight. */
    FaultyCalls throwAtWait(MemorySegment input, RuntimeException e) {
        return throwAtWait(input, e, 1);
    }

    /** The next {@code times} waits of the job reading {@code input} throw {@code e} without waiting. */
    FaultyCalls throwAtWait(MemorySegment input, RuntimeException e, int times) {
        throwAtWait.put(input.address(), e);
        throwsAtWaitLeft.put(input.address(), times);
        return this;
    }

    /** Jobs that QPL accepted and that were not waited for since. */
    int inFlight() {
        return submittedInput.size();
    }

    private static long input(MemorySegment job) {
        return qpl_job.next_in_ptr(job).address();
    }

    @Override
    public int execute(MemorySegment job) {
        executes++;
        Integer fail = failExecute.remove(input(job));
        if (fail != null) {
            return fail;
        }
        return real.execute(job);
    }

    @Override
    public int submit(MemorySegment job) {
        long key = input(job);
        if (alwaysBusy) {
            busyAnswers++;
            return QplStatus.QUEUES_ARE_BUSY_ERR.code();
        }
        Integer left = busy.get(key);
        if (left != null && left > 0) {
            busy.put(key, left - 1);
            busyAnswers++;
            return QplStatus.QUEUES_ARE_BUSY_ERR.code();
        }
        RuntimeException thrown = throwAtSubmit.remove(key);
        if (thrown != null) {
            throw thrown;
        }
        Integer fail = failAtSubmit.remove(key);
        if (fail != null) {
            return fail;
        }
        realSubmits++;
        int status = real.submit(job);
        if (status == QplStatus.OK.code()) {
            accepted++;
            submittedInput.put(job.address(), key);
        }
        return status;
    }

    @Override
    public int waitFor(MemorySegment job) {
        Long key = submittedInput.get(job.address());
        RuntimeException thrown = key == null ? null : throwAtWait.get(key);
        if (thrown != null) {
            int left = throwsAtWaitLeft.merge(key, -1, Integer::sum);
            if (left <= 0) {
                throwAtWait.remove(key);
                throwsAtWaitLeft.remove(key);
            }
            throw thrown;
        }
        realWaits++;
        int status = real.waitFor(job);
        submittedInput.remove(job.address());
        Integer fail = key == null ? null : failAtWait.remove(key);
        if (fail != null) {
            return fail;
        }
        Integer totalOut = key == null ? null : totalOutAtWait.remove(key);
        if (totalOut != null && status == QplStatus.OK.code()) {
            qpl_job.total_out(job, totalOut);
        }
        return status;
    }
}
