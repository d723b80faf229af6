package io.jmultifd.multifd;

import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.HugePages;
import io.jmultifd.multifd.guest.RamBlock;
import io.jmultifd.multifd.guest.TransparentHugePages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The guest-memory statistics of a real migration: each end's page faults (getrusage of its engine threads) and
 * whether its guest is on transparent huge pages ({@code guest-hugepages}, each end's own).
 */
@EnabledOnOs(value = OS.LINUX, architectures = "amd64")
class GuestMemoryStatisticsTest {
    private static final long SIZE = 16L << 20;

    /** A guest of random pages, none zero: the destination writes every page of its fresh memory. */
    private static GuestMemory randomGuest(TransparentHugePages hugePages) {
        RamBlock block = RamBlock.anonymous("ram", SIZE, 4096, false, hugePages);
        SplittableRandom r = new SplittableRandom(11);
        for (long i = 0; i < SIZE; i += 8) {
            block.memory().set(ValueLayout.JAVA_LONG_UNALIGNED, i, r.nextLong() | 1);
        }
        return GuestMemory.of(block);
    }

    private static boolean kernelGivesHugePages() {
        try {
            String enabled = Files.readString(Path.of("/sys/kernel/mm/transparent_hugepage/enabled"));
            return !enabled.contains("[never]");
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * On small pages every page the destination receives is a minor fault when first written; the count is in the
     * result and its JSON. guest-hugepages differs between the ends: it is each end's own, no handshake mismatch.
     */
    @Test
    void theDestinationsFaultsCountEveryFreshPageItWritesOnSmallPages() throws Exception {
        MigrationParameters source = MigrationParameters.from(Map.of("multifd-channels", "2"));
        MigrationParameters destination = source.with(MigrationParameters.GUEST_HUGEPAGES, "off");
        try (GuestMemory guest = randomGuest(TransparentHugePages.system());
             Harness.Incoming in = new Harness.Incoming(destination, false)) {
            MigrationResult sent = new MigrationSource(guest, null, source).migrate(in.sourceTarget, null);
            MigrationResult got = in.await();
            Harness.assertCompleted(sent, "source");
            Harness.assertCompleted(got, "destination");
            Harness.assertSameMemory(guest, in.destination.received());

            assertEquals(HugePages.OFF, got.memory().hugePages());
            assertEquals(HugePages.OFF, in.destination.received().hugePages());
            long pages = SIZE / 4096;
            MigrationResult.PageFaults faults = got.memory().pageFaults();
            assertNotNull(faults);
            assertTrue(faults.minor() >= pages, () -> "a fault per fresh page at least (" + pages + "): " + faults);
            Map<?, ?> ours = (Map<?, ?>) got.toMap().get("jmultifd");
            assertEquals("off", ours.get("huge-pages"));
            assertEquals(Map.of("minor", faults.minor(), "major", faults.major()), ours.get("page-faults"));
            // The whole process's CPU over the migration includes the engine threads' (getrusage's tick accounting
            // may lag a little behind the threads' own clocks).
            for (MigrationResult r : new MigrationResult[] {sent, got}) {
                long process = r.times().processCpuMs();
                assertTrue(process >= r.times().cpuMs() - 20, () -> "process " + process + " ms, engine "
                        + r.times().cpuMs() + " ms");
                assertEquals(process, ((Map<?, ?>) r.toMap().get("jmultifd")).get("process-cpu-time"));
            }

            assertEquals(kernelGivesHugePages() ? HugePages.ON : HugePages.UNAVAILABLE, sent.memory().hugePages());
            assertNotNull(sent.memory().pageFaults(), "the source counts its own");
            assertTrue(sent.memory().pageFaults().minor() >= 0);
        }
    }

    /** A snapshot's restore allocates a fresh guest too: as guest-hugepages says, and its result says so. */
    @Test
    void aRestoreAllocatesAsGuestHugepagesSays(@org.junit.jupiter.api.io.TempDir Path dir) {
        MigrationParameters p = MigrationParameters.defaults().with("mapped-ram", "on");
        Path file = dir.resolve("snapshot");
        try (GuestMemory guest = randomGuest(TransparentHugePages.off())) {
            Harness.assertCompleted(new MigrationSource(guest, null, p).migrate(Endpoint.file(file), null), "save");
            for (String setting : new String[] {"off", "on"}) {
                try (MigrationDestination d = new MigrationDestination(p.with(MigrationParameters.GUEST_HUGEPAGES,
                        setting))) {
                    MigrationResult restored = d.receive(Endpoint.file(file), null);
                    Harness.assertCompleted(restored, "restore");
                    HugePages expected = setting.equals("off") ? HugePages.OFF
                            : kernelGivesHugePages() ? HugePages.ON : HugePages.UNAVAILABLE;
                    assertEquals(expected, restored.memory().hugePages());
                    assertEquals(expected, d.received().hugePages());
                    assertNotNull(restored.memory().pageFaults());
                }
            }
        }
    }

    /** With guest-hugepages=on the destination's received guest asks for huge pages, and says whether it got them. */
    @Test
    void theDestinationReceivesIntoHugePagesWhenAsked() throws Exception {
        MigrationParameters p = MigrationParameters.from(Map.of("multifd-channels", "2", "guest-hugepages", "on"));
        try (GuestMemory guest = randomGuest(TransparentHugePages.off());
             Harness.Incoming in = new Harness.Incoming(p, false)) {
            MigrationResult sent = new MigrationSource(guest, null, p).migrate(in.sourceTarget, null);
            MigrationResult got = in.await();
            Harness.assertCompleted(sent, "source");
            Harness.assertCompleted(got, "destination");
            Harness.assertSameMemory(guest, in.destination.received());
            assertEquals(HugePages.OFF, sent.memory().hugePages());
            HugePages expected = kernelGivesHugePages() ? HugePages.ON : HugePages.UNAVAILABLE;
            assertEquals(expected, got.memory().hugePages());
            assertEquals(expected.label(), ((Map<?, ?>) got.toMap().get("jmultifd")).get("huge-pages"));
        }
    }

    /**
     * By default (auto) the destination asks for huge pages unless this machine reports free memory to a hypervisor
     * (a virtio balloon that negotiated feature bit 5, VIRTIO_BALLOON_F_REPORTING, read here from sysfs).
     */
    @Test
    void byDefaultTheDestinationAsksForHugePagesUnlessTheMachineReportsFreeMemory() throws Exception {
        MigrationParameters p = MigrationParameters.from(Map.of("multifd-channels", "2"));
        assertEquals(io.jmultifd.multifd.guest.HugePagePolicy.AUTO, p.guestHugePages());
        try (GuestMemory guest = randomGuest(TransparentHugePages.off());
             Harness.Incoming in = new Harness.Incoming(p, false)) {
            new MigrationSource(guest, null, p).migrate(in.sourceTarget, null);
            MigrationResult got = in.await();
            Harness.assertCompleted(got, "destination");
            HugePages expected = balloonReportsFreePages() ? HugePages.OFF
                    : kernelGivesHugePages() ? HugePages.ON : HugePages.UNAVAILABLE;
            assertEquals(expected, got.memory().hugePages());
        }
    }

    private static boolean balloonReportsFreePages() throws java.io.IOException {
        Path balloon = Path.of("/sys/bus/virtio/drivers/virtio_balloon");
        if (!java.nio.file.Files.isDirectory(balloon)) {
            return false;
        }
        try (var devices = java.nio.file.Files.list(balloon)) {
            for (Path d : devices.filter(x -> x.getFileName().toString().startsWith("virtio")).toList()) {
                String bits = java.nio.file.Files.readString(d.resolve("features"));
                if (bits.length() > 5 && bits.charAt(5) == '1') {
                    return true;
                }
            }
        }
        return false;
    }
}
