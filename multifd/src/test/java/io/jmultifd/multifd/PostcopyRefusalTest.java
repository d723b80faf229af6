package io.jmultifd.multifd;

import io.jmultifd.linux.ErrnoException;
import io.jmultifd.linux.ffi.linux_h;
import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.RamBlock;
import io.jmultifd.multifd.postcopy.UserfaultfdProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * postcopy-ram and postcopy-preempt at the handshake: both ends must use the same, and a destination that cannot
 * use userfaultfd refuses there (its probe failure injected), before it allocates the guest.
 */
@EnabledOnOs(value = OS.LINUX, architectures = "amd64")
class PostcopyRefusalTest {

    private static void refused(MigrationParameters src, MigrationParameters dst, UserfaultfdProbe probe,
                                String expected) throws Exception {
        try (GuestMemory guest = GuestMemory.of(RamBlock.anonymous("ram0", 1 << 20, src.pageSize()));
             Harness.Incoming in = new Harness.Incoming(dst, false, ProgressListener.NONE,
                     d -> d.userfaultfdProbe(probe))) {
            MigrationResult sent = new MigrationSource(guest, null, src).migrate(in.sourceTarget, null);
            MigrationResult got = in.await();
            assertEquals(MigrationStatus.FAILED, sent.status());
            assertEquals(MigrationStatus.FAILED, got.status());
            assertEquals("destination refused the migration: " + expected, sent.error());
            assertEquals(expected, got.error());
            assertNull(in.destination.received(), "refused before the guest was allocated");
        }
        Harness.assertNoEngineThreads();
    }

    @Test
    void postcopyRamOnOneEndOnlyIsRefused() throws Exception {
        refused(FailureTest.params("postcopy-ram", "on"), FailureTest.params(), UserfaultfdProbe.SYSTEM,
                "postcopy-ram mismatch: source on, destination off");
        refused(FailureTest.params(), FailureTest.params("postcopy-ram", "on"), UserfaultfdProbe.SYSTEM,
                "postcopy-ram mismatch: source off, destination on");
    }

    @Test
    void postcopyPreemptOnOneEndOnlyIsRefused() throws Exception {
        refused(FailureTest.params("postcopy-ram", "on", "postcopy-preempt", "on"), FailureTest.params("postcopy-ram", "on"),
                () -> { }, "postcopy-preempt mismatch: source on, destination off");
    }

    @Test
    void aDestinationWithoutUserfaultfdRefusesWithTheReasonAndTheFix() throws Exception {
        AtomicInteger probes = new AtomicInteger();
        UserfaultfdProbe denied = () -> {
            probes.incrementAndGet();
            throw new ErrnoException("userfaultfd", linux_h.EPERM());
        };
        MigrationParameters p = FailureTest.params("postcopy-ram", "on");
        refused(p, p, denied, "postcopy-ram: the destination cannot use userfaultfd (userfaultfd: Operation not "
                + "permitted): this process may not handle page faults; run the destination as root or with "
                + "CAP_SYS_PTRACE, or allow it with `sysctl vm.unprivileged_userfaultfd=1`; in a container, its "
                + "seccomp profile must also allow the userfaultfd system call");
        assertEquals(1, probes.get());
    }

    @Test
    void withoutPostcopyTheProbeIsNotAsked() throws Exception {
        AtomicInteger probes = new AtomicInteger();
        MigrationParameters p = FailureTest.params();
        try (GuestMemory guest = GuestMemory.of(RamBlock.anonymous("ram0", 1 << 20, p.pageSize()));
             Harness.Incoming in = new Harness.Incoming(p, false, ProgressListener.NONE,
                     d -> d.userfaultfdProbe(() -> {
                         probes.incrementAndGet();
                         throw new ErrnoException("userfaultfd", linux_h.EPERM());
                     }))) {
            Harness.assertCompleted(new MigrationSource(guest, null, p).migrate(in.sourceTarget, null), "source");
            Harness.assertCompleted(in.await(), "destination");
        }
        assertEquals(0, probes.get());
    }

    @Test
    void aDestinationReceivingIntoAFileMappingRefusesPostcopy(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        MigrationParameters p = FailureTest.params("postcopy-ram", "on");
        try (GuestMemory guest = GuestMemory.of(RamBlock.anonymous("ram0", 1 << 20, p.pageSize()));
             MigrationDestination destination = new MigrationDestination(p,
                     (name, size, pageSize) -> RamBlock.mapFile(name, dir.resolve(name), size, pageSize))) {
            Endpoint listen = Endpoint.inProcess(Harness.uniqueName("file-mapped"));
            java.util.concurrent.CompletableFuture<MigrationResult> got =
                    java.util.concurrent.CompletableFuture.supplyAsync(() -> destination.receive(listen, null));
            destination.awaitListening();
            MigrationResult sent = new MigrationSource(guest, null, p).migrate(listen, null);
            String why = "postcopy-ram needs the received guest in anonymous memory; a file mapping (incoming "
                    + "--output) cannot fault pages in: receive without --output";
            assertEquals("destination refused the migration: " + why, sent.error());
            assertEquals(why, got.get(60, java.util.concurrent.TimeUnit.SECONDS).error());
        }
        Harness.assertNoEngineThreads();
    }

    @Test
    void preemptWithoutPostcopyIsABadParameter() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FailureTest.params("postcopy-preempt", "on"));
        assertEquals("postcopy-preempt=on needs postcopy-ram=on", e.getMessage());
    }

    @Test
    void postcopyToAFileIsRefusedBeforeItStarts() {
        MigrationParameters p = FailureTest.params("postcopy-ram", "on", "mapped-ram", "on");
        try (GuestMemory guest = GuestMemory.of(RamBlock.anonymous("ram0", 1 << 20, p.pageSize()))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new MigrationSource(guest, null, p).migrate(Endpoint.file(java.nio.file.Path.of("/tmp/x")), null));
            assertEquals("postcopy-ram=on needs a live destination, not file:/tmp/x", e.getMessage());
        }
    }
}
