package io.jmultifd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jmultifd.multifd.guest.AvailableMemory;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A source guest larger than the memory available is a usage error found before anything is allocated: before,
 * {@code --synthetic 100T:mixed} printed an OutOfMemoryError stack trace, and a guest a little larger than the
 * memory got the process OOM-killed while it was being filled, without a message.
 */
class GuestSizeTest {
    private static final String NOWHERE = "tcp:127.0.0.1:1";
    private static final long MIB = 1 << 20;

    @TempDir
    Path dir;

    private static void assertNoStackTrace(CliRunner r) {
        assertFalse(r.err().contains("Exception") || r.err().contains("Error") || r.err().contains("\tat "),
                r.toString());
    }

    @Test
    void aHundredTebibyteSyntheticGuestIsAUsageErrorNamingNeededAndAvailable() {
        CliRunner r = CliRunner.run("migrate", "--to", NOWHERE, "--synthetic", "100T:mixed");
        assertEquals(Main.EXIT_USAGE, r.exitCode(), r.toString());
        assertTrue(r.err().startsWith("jmultifd migrate: --synthetic 100T:mixed: the guest needs 109951162777600 "
                + "bytes (100.0 TiB) of memory; this machine has "), r.toString());
        assertTrue(r.err().contains(" available ("), r.toString());
        assertTrue(r.err().contains("Try 'jmultifd migrate --help' for usage."), r.toString());
        assertNoStackTrace(r);
    }

    @Test
    void theDemoChecksItsTwoGuestsToo() {
        CliRunner r = CliRunner.run("demo", "--size", "100T");
        assertEquals(Main.EXIT_USAGE, r.exitCode(), r.toString());
        assertTrue(r.err().startsWith("jmultifd demo: --size 100T: the source and destination guests need "
                + "219902325555200 bytes (200.0 TiB) of memory; this machine has "), r.toString());
        assertNoStackTrace(r);
    }

    @Test
    void aGuestLargerThanTheAvailableMemoryIsAUsageError() {
        AvailableMemory available = new AvailableMemory(64 * MIB, "as the test says");
        CliRunner r = CliRunner.run(available, "migrate", "--to", NOWHERE, "--synthetic", "128M:mixed");
        assertEquals(Main.EXIT_USAGE, r.exitCode(), r.toString());
        assertEquals("jmultifd migrate: --synthetic 128M:mixed: the guest needs 134217728 bytes (128.0 MiB) of "
                + "memory; this machine has 67108864 bytes (64.0 MiB) available (as the test says)\n"
                + "Try 'jmultifd migrate --help' for usage.\n", r.err());

        CliRunner fits = CliRunner.run(available, "migrate", "--to", NOWHERE, "--synthetic", "32M:mixed");
        assertEquals(Main.EXIT_FAILED, fits.exitCode(), "allocated, then nothing listens\n" + fits);
        assertFalse(fits.err().contains("needs"), fits.toString());
    }

    @Test
    void imagesCountOnlyWhenTheyAreCopiedIntoMemory() throws Exception {
        Path image = dir.resolve("big.img");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(128 * MIB);
        }
        AvailableMemory available = new AvailableMemory(64 * MIB, "as the test says");
        CliRunner copied = CliRunner.run(available, "migrate", "--to", NOWHERE, "--source", image.toString(),
                "--workload-dirty-rate", "1");
        assertEquals(Main.EXIT_USAGE, copied.exitCode(), copied.toString());
        assertTrue(copied.err().startsWith("jmultifd migrate: --source: the images are copied into memory (a "
                + "workload writes to the guest) and need 134217728 bytes (128.0 MiB) of memory; this machine has "
                + "67108864 bytes (64.0 MiB) available (as the test says)\n"), copied.toString());

        CliRunner mapped = CliRunner.run(available, "migrate", "--to", NOWHERE, "--source", image.toString());
        assertEquals(Main.EXIT_FAILED, mapped.exitCode(), "mapped, not copied: then nothing listens\n" + mapped);
        assertFalse(mapped.err().contains("needs"), mapped.toString());
    }

    @Test
    void anAllocationThatFailsAnywayIsAnErrorWithoutAStackTrace() {
        // More than any 64-bit address space that mmap hands out without a hint (47 or 48 bits): mmap fails.
        AvailableMemory unlimited = new AvailableMemory(Long.MAX_VALUE, "as the test says");
        CliRunner r = CliRunner.run(unlimited, "migrate", "--to", NOWHERE, "--synthetic", "1000T:mixed");
        assertEquals(Main.EXIT_FAILED, r.exitCode(), r.toString());
        assertTrue(r.err().startsWith("jmultifd migrate: error: cannot allocate the guest of 1099511627776000 "
                + "bytes (1000.0 TiB): "), r.toString());
        assertNoStackTrace(r);
    }
}
