package io.jmultifd.multifd;

import com.fasterxml.jackson.databind.JsonNode;
import io.jmultifd.cli.JsonReports;
import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.TinyTmpfs;
import io.jmultifd.multifd.snapshot.BlockTable;
import io.jmultifd.multifd.snapshot.SnapshotCompletion;
import io.jmultifd.multifd.snapshot.SnapshotHeader;
import io.jmultifd.multifd.snapshot.SnapshotReader;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A damaged snapshot is never restored: each kind of damage fails the restore with a message naming what is wrong
 * (the block and page where there is one), and nothing is handed out as restored memory.
 */
class SnapshotIntegrityTest {
    @TempDir
    Path dir;

    private Path saved(String method) {
        Path file = dir.resolve("g.snap");
        try (GuestMemory guest = Harness.mixedGuest(2 << 20, 1 << 20, 5)) {
            MigrationResult r = new MigrationSource(guest, null, SnapshotFileTest.params("multifd-compression", method,
                    "multifd-channels", "2")).migrate(Endpoint.file(file), null);
            assertTrue(r.completed(), r.error());
        }
        return file;
    }

    /** Restores and expects it to fail for {@code cause} with every piece of {@code expected} in the message. */
    private static void assertRefused(Path file, MigrationFailure.Cause cause, String... expected) {
        try (MigrationDestination d = new MigrationDestination(SnapshotFileTest.params("multifd-channels", "2"))) {
            MigrationResult r = d.receive(Endpoint.file(file), null);
            assertFalse(r.completed(), "a damaged file must not restore");
            assertEquals(cause, r.failure().cause(), r.error());
            assertJsonCause(r, cause);
            for (String e : expected) {
                assertTrue(r.error().contains(e), "expected '" + e + "' in: " + r.error());
            }
        }
    }

    /** The JSON report names the cause as the schema lists it (storage, corrupt-file, ...). */
    static void assertJsonCause(MigrationResult r, MigrationFailure.Cause cause) {
        JsonNode report = JsonReports.result(r.toMap());
        assertEquals("failed", report.get("status").asText());
        assertEquals(cause.name().toLowerCase(Locale.ROOT).replace('_', '-'),
                report.get("jmultifd").get("failure").get("cause").asText());
    }

    static void flip(Path file, long offset) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            int b = f.read();
            f.seek(offset);
            f.write(b ^ 0x20);
        }
    }

    /** The offset of the first stored page of block ram1 after {@code skip} others, and its number. */
    static long[] storedPage(Path file, int skip) throws Exception {
        try (SnapshotReader r = SnapshotReader.open(file, false)) {
            SnapshotHeader h = r.header();
            BlockTable t = r.table(1);
            for (long p = 0, seen = 0; p < t.pageCount(); p++) {
                if (t.stored(p) && seen++ == skip) {
                    long at = h.compressed() ? t.offset(p) + t.length(p) / 2
                            : h.blocks().get(1).pagesOffset() + p * h.pageSize() + 100;
                    return new long[] {at, p};
                }
            }
        }
        throw new AssertionError("no stored page");
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "qpl", "zstd"})
    void aFlippedByteInAPageNamesTheBlockAndPage(String method) throws Exception {
        Path file = saved(method);
        long[] page = storedPage(file, 3);
        flip(file, page[0]);
        assertRefused(file, MigrationFailure.Cause.CORRUPT_FILE, "block ram1 page " + page[1] + " is damaged");
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "qpl"})
    void aFlippedByteInTheHeaderIsFound(String method) throws Exception {
        Path file = saved(method);
        flip(file, 30); // inside the method name / parameters
        assertRefused(file, MigrationFailure.Cause.CORRUPT_FILE, "header of", "damaged");
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "qpl"})
    void aFlippedByteInTheBitmapOrIndexNamesTheBlock(String method) throws Exception {
        Path file = saved(method);
        long table;
        long bitmapBytes;
        try (SnapshotReader r = SnapshotReader.open(file, false)) {
            table = r.header().blocks().get(1).tableOffset();
            bitmapBytes = (r.table(1).pageCount() + 63) / 64 * 8;
        }
        flip(file, table + 1); // the bitmap
        assertRefused(file, MigrationFailure.Cause.CORRUPT_FILE, "bitmap or index of block ram1 is damaged");
        flip(file, table + 1);
        flip(file, table + bitmapBytes + 16 * 5 + 2); // a CRC (RAW) or an offset (COMPRESSED) of the entries
        assertRefused(file, MigrationFailure.Cause.CORRUPT_FILE, "bitmap or index of block ram1 is damaged");
    }

    @Test
    void aFileCutShortNamesTheFirstMissingPage() throws Exception {
        Path file = saved("none");
        long[] page = storedPage(file, 10);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(page[0] - 100); // the start of that page
        }
        assertRefused(file, MigrationFailure.Cause.CORRUPT_FILE, "cut short", "block ram1 page " + page[1]
                + " is the first page missing");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(20);
        }
        assertRefused(file, MigrationFailure.Cause.CORRUPT_FILE, "cut short");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(0);
        }
        assertRefused(file, MigrationFailure.Cause.CORRUPT_FILE, "cut short");
    }

    @Test
    void aFileOfAnotherVersionIsRefusedNamingBothVersions() throws Exception {
        Path file = saved("none");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(4);
            f.writeShort(2);
        }
        assertRefused(file, MigrationFailure.Cause.CORRUPT_FILE, "version 2", "reads version 1");
    }

    @Test
    void aFileWithoutItsCompletionRecordIsAnUnfinishedSave() throws Exception {
        Path file = saved("none");
        try (SnapshotReader r = SnapshotReader.open(file, false);
             RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(r.header().completionOffset());
            // what a saver that died before its last step leaves there: a hole
            f.write(new byte[SnapshotCompletion.encodedLength(r.header().blocks().size())]);
        }
        assertRefused(file, MigrationFailure.Cause.CORRUPT_FILE, "no completion record", "did not finish");
    }

    @Test
    void aFlippedByteInTheCompletionRecordIsFound() throws Exception {
        Path file = saved("qpl");
        try (SnapshotReader r = SnapshotReader.open(file, false)) {
            flip(file, r.header().completionOffset() + 12);
        }
        assertRefused(file, MigrationFailure.Cause.CORRUPT_FILE, "completion record", "damaged");
    }

    @Test
    void notASnapshotAtAllIsSaidSo() throws Exception {
        Path file = dir.resolve("text");
        Files.writeString(file, "hello, this is no snapshot of a guest");
        assertRefused(file, MigrationFailure.Cause.CORRUPT_FILE, "is not a jmultifd snapshot");
        assertRefused(dir.resolve("missing"), MigrationFailure.Cause.STORAGE, "no such file");
    }

    @Test
    void aDiskThatFillsDuringTheSaveFailsItCleanly() throws Exception {
        try (TinyTmpfs fs = TinyTmpfs.mount(dir.resolve("tiny"), 8 << 20);
             GuestMemory guest = Harness.mixedGuest(24 << 20, 4 << 20, 9)) {
            Path file = fs.resolve("full.snap");
            MigrationResult r = new MigrationSource(guest, null, SnapshotFileTest.params("multifd-channels", "2"))
                    .migrate(Endpoint.file(file), null);
            assertFalse(r.completed());
            assertEquals(MigrationFailure.Cause.STORAGE, r.failure().cause(), r.error());
            assertJsonCause(r, MigrationFailure.Cause.STORAGE);
            assertTrue(r.error().contains("the disk is full"), r.error());
            assertTrue(r.error().contains("writing block ram"), r.error());
            assertFalse(Files.exists(file));
            assertFalse(Files.exists(fs.resolve("full.snap.partial")), "the unfinished file is removed again");
        }
    }

    @Test
    void aFileSystemThatRefusesODirectIsNamed() throws Exception {
        Path mount = dir.resolve("ramfs");
        try (TinyTmpfs fs = TinyTmpfs.mount(mount, "ramfs", 0);
             GuestMemory guest = Harness.mixedGuest(1 << 20, 1 << 20, 9)) {
            Path file = fs.resolve("g.snap");
            MigrationResult r = new MigrationSource(guest, null, SnapshotFileTest.params("direct-io", "on"))
                    .migrate(Endpoint.file(file), null);
            assertFalse(r.completed());
            assertEquals(MigrationFailure.Cause.STORAGE, r.failure().cause(), r.error());
            assertTrue(r.error().contains("(ramfs) refuses O_DIRECT"), r.error());
            // saved without O_DIRECT, the restore with it is refused the same way
            assertTrue(new MigrationSource(guest, null, SnapshotFileTest.params()).migrate(Endpoint.file(file), null)
                    .completed());
            try (MigrationDestination d = new MigrationDestination(SnapshotFileTest.params("direct-io", "on"))) {
                MigrationResult rr = d.receive(Endpoint.file(file), null);
                assertTrue(rr.error().contains("(ramfs) refuses O_DIRECT"), rr.error());
                assertNull(d.received());
            }
        }
    }
}
