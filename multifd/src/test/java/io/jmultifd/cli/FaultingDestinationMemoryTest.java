package io.jmultifd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jmultifd.multifd.BlockFactory;
import io.jmultifd.multifd.Endpoint;
import io.jmultifd.multifd.MigrationDestination;
import io.jmultifd.multifd.MigrationParameters;
import io.jmultifd.multifd.MigrationResult;
import io.jmultifd.multifd.MigrationSource;
import io.jmultifd.multifd.ProgressListener;
import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.RamBlock;
import io.jmultifd.multifd.guest.TinyTmpfs;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Behind the reservation: destination memory that faults when touched (a file mapping on a full disk with no
 * reservation, as when one was lost) fails the migration with a message. Before, the receiver thread died with an
 * uncaught InternalError, and the checksum then read the faulting pages in the CRC32C intrinsic, which kills the
 * JVM: so the migration runs in a child JVM ({@link Child}).
 */
class FaultingDestinationMemoryTest {
    @TempDir
    Path dir;

    @Test
    void aFaultInTheReceivedMemoryFailsTheMigrationWithAMessageAndNoThreadDies() throws Exception {
        try (TinyTmpfs fs = TinyTmpfs.mount(dir.resolve("fs"), 1 << 20)) {
            try (ChildJvm child = ChildJvm.startMain(dir, "faulting", Child.class, fs.path().toString())) {
                assertEquals(0, child.awaitExit(), child.describe());
                List<String> lines = child.stdout().lines().toList();
                assertEquals(3, lines.size(), child.describe());
                assertTrue(lines.get(0).startsWith("destination FAILED: channel 0, packet ")
                        && lines.get(0).contains("a fault occurred in an unsafe memory access operation"),
                        child.describe());
                String error = lines.get(0).substring("destination FAILED: ".length());
                assertTrue(lines.get(1).startsWith("source FAILED: ") && lines.get(1).contains(error),
                        "the source learns why\n" + child.describe());
                assertEquals("escaped: []", lines.get(2), child.describe());
            }
        }
    }

    /** Migrates an 8 MiB zero guest into unreserved files on the 1 MiB tmpfs given as the argument. */
    static final class Child {
        public static void main(String[] args) throws Exception {
            Path fs = Path.of(args[0]);
            List<String> escaped = new CopyOnWriteArrayList<>();
            Thread.setDefaultUncaughtExceptionHandler((thread, e) -> escaped.add(thread.getName() + ": " + e));
            // tmpfs backs even a read of a hole with a page: the destination's zero-page check faults once the
            // first MiB is used.
            BlockFactory unreserved = (name, size, pageSize) -> RamBlock.mapFile(name, fs.resolve(name), size, pageSize);
            MigrationParameters p = MigrationParameters.from(Map.of("multifd-compression", "none",
                    "multifd-channels", "1", "peer-timeout", "10000"));
            Endpoint endpoint = Endpoint.inProcess("faulting");
            try (GuestMemory guest = GuestMemory.of(RamBlock.anonymous("ram", 8 << 20, 4096));
                 MigrationDestination destination = new MigrationDestination(p, unreserved)) {
                CompletableFuture<MigrationResult> received =
                        CompletableFuture.supplyAsync(() -> destination.receive(endpoint, ProgressListener.NONE));
                destination.awaitListening();
                MigrationResult sent = new MigrationSource(guest, null, p).migrate(endpoint, ProgressListener.NONE);
                MigrationResult result = received.get(60, TimeUnit.SECONDS);
                System.out.println("destination " + result.status() + ": " + result.error());
                System.out.println("source " + sent.status() + ": " + sent.error());
            }
            System.out.println("escaped: " + escaped);
            System.exit(0);
        }
    }
}
