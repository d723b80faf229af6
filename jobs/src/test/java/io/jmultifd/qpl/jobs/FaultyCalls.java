package io.jmultifd.qpl.jobs;

import io.jmultifd.qpl.ffi.qpl_job;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

/**
 * Wraps the real bindings and injects faults per page (a job is recognised by its input address, i.e. the
 * page or stream it was prepared with): a number of busy answers at submit (the job is not
 * handed to QPL then), or a failed status at wait (QPL still runs and finishes the job, as a device would,
 * but the caller is told it failed). Counts real submits and waits so a test can check none is left in flight.
 */
final class FaultyCalls implements QplCalls {
    private final QplCalls real;
    /** input address -> busy answers still to give */
    private final Map<Long, Integer> busy = new HashMap<>();
    private final Map<Long, Integer> failAtWait = new HashMap<>();
    private final Map<Long, Integer> failAtSubmit = new HashMap<>();
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

    private static long input(MemorySegment job) {
        return qpl_job.next_in_ptr(job).address();
    }

    @Override
    public int execute(MemorySegment job) {
        executes++;
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
        realWaits++;
        int status = real.waitFor(job);
        Long key = submittedInput.remove(job.address());
        Integer fail = key == null ? null : failAtWait.remove(key);
        return fail != null ? fail : status;
    }
}
