package io.jmultifd.multifd.postcopy;

import io.jmultifd.multifd.MigrationResult;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What postcopy counts (QEMU's postcopy statistics): page requests, their latency from the fault to the wake
 * (p50, p99, max), the blocktime (the time faulting threads spent waiting, summed over the faults), pages that
 * came on the preempt channel, and the time from the switchover to the last page.
 */
public final class PostcopyStatistics {
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong faults = new AtomicLong();
    private final AtomicLong blocktimeNanos = new AtomicLong();
    private final AtomicLong preemptPages = new AtomicLong();
    private long[] latencies = new long[1024];
    private int latencyCount;
    private volatile long startNanos;
    private volatile long endNanos;

    public void started() {
        startNanos = System.nanoTime();
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

    /** The destination's figures for the result (latencies in microseconds). */
    public MigrationResult.Postcopy summary() {
        long[] sorted;
        synchronized (this) {
            sorted = Arrays.copyOf(latencies, latencyCount);
        }
        Arrays.sort(sorted);
        long end = endNanos != 0 ? endNanos : System.nanoTime();
        return new MigrationResult.Postcopy(true, requests.get(), faults.get(), percentile(sorted, 50) / 1000, percentile(sorted, 99) / 1000,
                sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1000, blocktimeNanos.get() / 1_000_000,
                preemptPages.get(), startNanos == 0 ? 0 : (end - startNanos) / 1_000_000);
    }

    /** The nearest-rank percentile (0 without samples). */
    static long percentile(long[] sorted, int p) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }
}
