package io.jmultifd.multifd.ram;

import io.jmultifd.multifd.MigrationParameters;
import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.RamBlock;
import io.jmultifd.multifd.guest.Workload;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The stop-and-copy decision and auto-converge, driven without a migration. */
class ConvergenceTest {

    static MigrationParameters params(String... kv) {
        Map<String, String> m = new java.util.HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return MigrationParameters.from(m);
    }

    /** A bulk round of {@code pages} pages that moved {@code bytes}; some time passes in it. */
    static Convergence afterBulk(MigrationParameters p, Workload w, long pages, long bytes) {
        Convergence c = new Convergence(p, w);
        c.roundStarting(0, 0);
        c.bulkEnded(bytes, pages);
        return c;
    }

    @Test
    void nothingDirtyFitsAnyDowntimeLimit() {
        Convergence c = afterBulk(params("downtime-limit", "0"), null, 1000, 4096 * 1000);
        c.dirtyAfterRound(0);
        assertTrue(c.fitsDowntimeLimit());
    }

    @Test
    void givesUpPastTheConvergenceTimeoutNamingTheFigures() {
        Convergence c = afterBulk(params("downtime-limit", "0", "convergence-timeout", "0"), null, 1000, 4096 * 1000);
        c.dirtyAfterRound(500);
        assertFalse(c.fitsDowntimeLimit());
        String why = c.throttleOrGiveUp(3);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("did not converge: dirty rate ([0-9.]+) MB/s (above|below)"
                + " bandwidth ([0-9.]+) MB/s after 4 rounds"
                + " \\(500 pages dirty, expected downtime [0-9]+ ms > downtime-limit 0 ms, convergence-timeout 0 ms\\)").matcher(why);
        assertTrue(m.matches(), why);
        boolean above = Double.parseDouble(m.group(1)) > Double.parseDouble(m.group(3));
        assertEquals(above ? "above" : "below", m.group(2), "the word agrees with the two figures it compares: " + why);
    }

    @Test
    void forceConvergeThrottlesInsteadOfGivingUp() {
        try (GuestMemory g = GuestMemory.of(RamBlock.anonymous("ram0", 1 << 20, 4096))) {
            Workload w = new Workload(g, 1, 1);
            Convergence past = afterBulk(params("downtime-limit", "0", "convergence-timeout", "0", "force-converge", "true"),
                    w, 256, 1 << 20);
            past.dirtyAfterRound(10);
            assertNull(past.throttleOrGiveUp(5));
            assertEquals(0.99, w.throttle(), "past the timeout: the strongest throttle at once");
        }
    }

    @Test
    void autoConvergeStartsAt20PercentAfterTheFirstIterationAndAdds10() {
        try (GuestMemory g = GuestMemory.of(RamBlock.anonymous("ram0", 1 << 20, 4096))) {
            Workload w = new Workload(g, 1, 1);
            Convergence c = afterBulk(params("downtime-limit", "0", "convergence-timeout", "86400000", "force-converge", "true"),
                    w, 256, 1 << 20);
            c.dirtyAfterRound(10);
            assertNull(c.throttleOrGiveUp(0));
            assertEquals(0.0, w.throttle(), "the bulk round's result alone throttles nothing");
            assertNull(c.throttleOrGiveUp(1));
            assertEquals(0.2, w.throttle(), 1e-9);
            assertNull(c.throttleOrGiveUp(2));
            assertEquals(0.3, w.throttle(), 1e-9);
            for (int r = 3; r < 20; r++) {
                c.throttleOrGiveUp(r);
            }
            assertEquals(0.99, w.throttle(), 1e-9, "capped");
        }
    }

    @Test
    void withoutForceConvergeNothingIsThrottled() {
        try (GuestMemory g = GuestMemory.of(RamBlock.anonymous("ram0", 1 << 20, 4096))) {
            Workload w = new Workload(g, 1, 1);
            Convergence c = afterBulk(params("downtime-limit", "0", "convergence-timeout", "86400000"), w, 256, 1 << 20);
            c.dirtyAfterRound(10);
            assertNull(c.throttleOrGiveUp(1));
            assertEquals(0.0, w.throttle());
        }
    }
}
