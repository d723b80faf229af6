package io.jmultifd.multifd.postcopy;

import io.jmultifd.multifd.MigrationResult;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The statistics as the progress reports read them while pages are placed: each summary in between gives the exact
 * nearest-rank percentiles of every latency so far, the same as one summary at the end, however the latencies were
 * split between summaries.
 */
class PostcopyStatisticsTest {

    /** Nearest rank of the sorted list: the ceil(p/100 * n)-th smallest, microseconds. */
    private static long rank(List<Long> sortedNanos, int p) {
        return sortedNanos.get((int) Math.ceil(p / 100.0 * sortedNanos.size()) - 1) / 1000;
    }

    @Test
    void summariesWhileLatenciesArriveAreExactAtEveryStep() {
        PostcopyStatistics s = new PostcopyStatistics();
        assertEquals(0, s.summary().requestLatencyP99Us(), "no samples");
        SplittableRandom random = new SplittableRandom(42);
        List<Long> all = new ArrayList<>();
        long blocked = 0;
        // batches of every size, some larger than the array the placing threads append to (1024), some empty
        for (int batch : new int[] {1, 0, 7, 1500, 3, 2048, 0, 999, 5000, 1}) {
            for (int i = 0; i < batch; i++) {
                long latency = 1000 + random.nextLong(5_000_000); // 1 us .. 5 ms
                s.requested();
                s.faulted();
                s.resolved(latency, 2 * latency);
                all.add(latency);
                blocked += 2 * latency;
            }
            if (all.isEmpty()) {
                continue;
            }
            List<Long> sorted = all.stream().sorted().toList();
            MigrationResult.Postcopy got = s.summary();
            assertEquals(all.size(), got.pageRequests());
            assertEquals(all.size(), got.faults());
            assertEquals(rank(sorted, 50), got.requestLatencyP50Us(), "p50 after " + all.size());
            assertEquals(rank(sorted, 99), got.requestLatencyP99Us(), "p99 after " + all.size());
            assertEquals(sorted.getLast() / 1000, got.requestLatencyMaxUs(), "max after " + all.size());
            assertEquals(blocked / 1_000_000, got.blocktimeMs());
        }
    }

    @Test
    void theRanksOfAKnownSet() {
        PostcopyStatistics s = new PostcopyStatistics();
        for (long us = 100; us >= 1; us--) { // 1..100 us, in reverse order, over two summaries
            s.resolved(us * 1000, 0);
            if (us == 37) {
                s.summary();
            }
        }
        MigrationResult.Postcopy got = s.summary();
        assertEquals(50, got.requestLatencyP50Us());
        assertEquals(99, got.requestLatencyP99Us());
        assertEquals(100, got.requestLatencyMaxUs());
    }
}
