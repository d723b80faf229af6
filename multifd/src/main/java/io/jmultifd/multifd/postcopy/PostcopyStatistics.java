package io.jmultifd.multifd.postcopy;

import io.jmultifd.multifd.MigrationResult;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What postcopy counts (QEMU's postcopy statistics): page requests, their latency from the fault to the wake
 * (p50, p99, max), the blocktime (the time faulting threads spent waiting, summed over the faults), pages that
 * came on the preempt channel, and the time from the switchover to the last page.
 *
 * <p>{@link #summary} is read while pages arrive (the progress reports, four times a second) as well as at the end,
 * and gives exact percentiles both times without sorting every latency again: each call moves the latencies that
 * came since the last one out of the small array the placing threads append to, sorts only those and merges them
 * into the sorted ones it keeps. A page costs an append under a short lock, no allocation but the array's doubling.
 */
public final class PostcopyStatistics {
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong faults = new AtomicLong();
    private final AtomicLong blocktimeNanos = new AtomicLong();
    private final AtomicLong preemptPages = new AtomicLong();
    private long[] latencies = new long[1024]; // since the last summary; guarded by this
    private int latencyCount;
    private final Object sortedLock = new Object();
    private long[] sorted = new long[0]; // every latency taken by a summary, ascending; guarded by sortedLock
    private int sortedCount;
    private long[] fresh = new long[0];
    private volatile long startNanos;
    private volatile long endNanos;

    /** The switchover (again after a resume that found the guest not started yet: the time counts from the first). */
    public void started() {
        if (startNanos == 0) {
            startNanos = System.nanoTime();
        }
    }

    public void ended() {
        if (startNanos != 0 && endNanos == 0) {
            endNanos = System.nanoTime();
        }
    }

    public void requested() {
        requests.incrementAndGet();
    }

    public void faulted() {
        faults.incrementAndGet();
    }

    /** A requested page arrived: {@code firstFaultNanos} ago the first fault on it was read; {@code waiting} faulted. */
    public void resolved(long latencyNanos, long waitingNanos) {
        blocktimeNanos.addAndGet(waitingNanos);
        synchronized (this) {
            if (latencyCount == latencies.length) {
                latencies = Arrays.copyOf(latencies, latencies.length * 2);
            }
            latencies[latencyCount++] = latencyNanos;
        }
    }

    public void preemptPage() {
        preemptPages.incrementAndGet();
    }

    public long pageRequests() {
        return requests.get();
    }

    /**
     * The destination's figures so far (latencies in microseconds): the result's at the end, a progress report's
     * while postcopy runs. Any thread; the postcopy time runs on until {@link #ended}.
     */
    public MigrationResult.Postcopy summary() {
        synchronized (sortedLock) {
            int n;
            synchronized (this) {
                n = latencyCount;
                if (fresh.length < n) {
                    fresh = new long[latencies.length];
                }
                System.arraycopy(latencies, 0, fresh, 0, n);
                latencyCount = 0;
            }
            if (n > 0) {
                Arrays.sort(fresh, 0, n);
                sorted = merge(sorted, sortedCount, fresh, n);
                sortedCount += n;
            }
            long start = startNanos;
            long end = endNanos != 0 ? endNanos : System.nanoTime();
            return new MigrationResult.Postcopy(true, requests.get(), faults.get(),
                    percentile(sorted, sortedCount, 50) / 1000, percentile(sorted, sortedCount, 99) / 1000,
                    sortedCount == 0 ? 0 : sorted[sortedCount - 1] / 1000, blocktimeNanos.get() / 1_000_000,
                    preemptPages.get(), start == 0 ? 0 : (end - start) / 1_000_000);
        }
    }

    /** {@code a[0..an)} and {@code b[0..bn)}, both ascending, merged into {@code a} when it has room, else a new array. */
    private static long[] merge(long[] a, int an, long[] b, int bn) {
        long[] out = a.length >= an + bn ? a : new long[Math.max(an + bn, a.length * 2)];
        int i = an - 1;
        int j = bn - 1;
        for (int k = an + bn - 1; j >= 0; k--) { // from the end: a's elements move up in place, none is overwritten early
            out[k] = i >= 0 && a[i] > b[j] ? a[i--] : b[j--];
        }
        if (out != a) {
            System.arraycopy(a, 0, out, 0, i + 1);
        }
        return out;
    }

    /** The nearest-rank percentile of {@code sorted[0..count)} (0 without samples). */
    static long percentile(long[] sorted, int count, int p) {
        if (count == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100.0 * count);
        return sorted[Math.max(0, rank - 1)];
    }
}
