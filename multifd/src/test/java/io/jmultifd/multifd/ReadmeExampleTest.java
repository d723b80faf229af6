package io.jmultifd.multifd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.RamBlock;
import io.jmultifd.multifd.guest.SyntheticContent;
import io.jmultifd.multifd.guest.Workload;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The "Embedding the engine" example of multifd/README.md, run as written there (keep the two the same). */
class ReadmeExampleTest {

    @Test
    void readmeExampleMigratesALiveGuest() throws Exception {
        // --- README example begins
        MigrationParameters params = MigrationParameters.from(Map.of(
                "multifd-compression", "zstd", "multifd-channels", "2"));
        try (GuestMemory guest = GuestMemory.of(RamBlock.anonymous("ram0", 64L << 20, 4096));
             Workload workload = new Workload(guest, 32, 1);
             MigrationDestination destination = new MigrationDestination(params)) {
            SyntheticContent.fill(guest.block("ram0").memory(), 4096, SyntheticContent.Mix.MIXED, 42);
            workload.start();
            CompletableFuture<MigrationResult> incoming = CompletableFuture.supplyAsync(
                    () -> destination.receive(Endpoint.tcp("127.0.0.1", 0), ProgressListener.NONE));
            int port = destination.awaitListening();
            MigrationResult sent = new MigrationSource(guest, workload, params)
                    .migrate(Endpoint.tcp("127.0.0.1", port), p -> System.out.println(p));
            MigrationResult received = incoming.join();
            System.out.println(sent.toMap());
            // --- README example ends
            assertEquals(MigrationStatus.COMPLETED, sent.status(), () -> String.valueOf(sent.error()));
            assertEquals(MigrationStatus.COMPLETED, received.status(), () -> String.valueOf(received.error()));
            assertTrue(sent.checksumMatch());
        }
    }
}
