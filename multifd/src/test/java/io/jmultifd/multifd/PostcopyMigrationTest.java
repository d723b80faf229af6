package io.jmultifd.multifd;

import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.Workload;
import io.jmultifd.multifd.postcopy.UserfaultfdProbe;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Postcopy end to end over TCP, with and without the preempt channel: a live guest switches after the bulk round
 * ({@code startPostcopy}), its workload then runs at the destination and faults pages in, and the migration
 * completes only when every page's digest (what it was when placed) matches the source's frozen memory.
 */
@EnabledOnOs(value = OS.LINUX, architectures = "amd64")
class PostcopyMigrationTest {

    @BeforeAll
    static void userfaultfd() {
        String why = UserfaultfdProbe.refusal(UserfaultfdProbe.SYSTEM);
        if (why != null && ("true".equals(System.getenv("CI")) || "1".equals(System.getenv("JMULTIFD_REQUIRE_USERFAULTFD")))) {
            throw new AssertionError(why);
        }
        Assumptions.assumeTrue(why == null, why);
    }

    @ParameterizedTest
    @ValueSource(strings = {"off", "on"})
    void aLiveGuestCompletesInPostcopyWithEveryPageVerified(String preempt) throws Exception {
        MigrationParameters p = FailureTest.params("postcopy-ram", "on", "postcopy-preempt", preempt,
                "max-bandwidth", "64M");
        List<Progress.Phase> phases = new ArrayList<>();
        try (GuestMemory guest = Harness.mixedGuest(8 << 20, 1 << 20, 5);
             Harness.Incoming in = new Harness.Incoming(p, true, ProgressListener.NONE)) {
            Workload w = Harness.startWorkload(guest, 64, 9);
            try {
                MigrationSource source = new MigrationSource(guest, w, p);
                source.startPostcopy();
                MigrationResult sent = source.migrate(in.sourceTarget, pr -> phases.add(pr.phase()));
                MigrationResult got = in.await();
                Harness.assertCompleted(sent, "source");
                Harness.assertCompleted(got, "destination");
                assertTrue(phases.contains(Progress.Phase.POSTCOPY_ACTIVE), phases::toString);
                assertTrue(sent.postcopy().switched() && got.postcopy().switched());
                assertEquals(got.postcopy().pageRequests(), sent.postcopy().pageRequests(), "every request arrived");
                // Placed at most once each; a requested page the background stream placed first is dropped.
                assertTrue(got.postcopy().preemptPages() <= sent.postcopy().preemptPages());
                assertTrue(preempt.equals("on") || sent.postcopy().preemptPages() == 0);
                @SuppressWarnings("unchecked")
                java.util.Map<String, Object> json = (java.util.Map<String, Object>) got.toMap().get("jmultifd");
                assertTrue(json.containsKey("postcopy"), json::toString);
                assertTrue(w.isPaused(), "the source's guest stays paused: it runs at the destination");
                Workload there = in.destination.postcopy().workload();
                assertTrue(there != null && there.isRunning(), "the workload runs at the destination");
            } finally {
                w.stop();
            }
        }
        Harness.assertNoEngineThreads();
    }
}
