package io.jmultifd.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.RamBlock;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one-thread stream yardstick writes every page once in order and reads back exactly the guest. */
class SequentialStreamTest {
    private static final int PAGES = 600; // more than one 1 MiB buffer of records

    @Test
    void aGuestWithZeroPagesComesBackEqualAndTheFileHoldsOneRecordPerPage(@TempDir Path dir) throws Exception {
        try (GuestMemory guest = guest()) {
            Path file = dir.resolve("stream");
            Map<String, Object> save = SequentialStream.write(guest, file);
            // Every third page is zero: 200 zero pages as an 8-byte word, 400 pages as the word and 4096 bytes.
            long expected = 200L * 8 + 400L * (8 + 4096);
            assertEquals(expected, Files.size(file));
            assertEquals(expected, save.get("transferred_bytes"));

            Map<String, Object> restore = SequentialStream.read(file, guest);
            assertEquals(true, restore.get("memory_equal"));
            assertEquals(expected, restore.get("transferred_bytes"));
        }
    }

    @Test
    void aGuestThatDiffersFromTheStreamIsNotEqual(@TempDir Path dir) throws Exception {
        try (GuestMemory guest = guest()) {
            Path file = dir.resolve("stream");
            SequentialStream.write(guest, file);
            guest.blocks().getFirst().memory().set(ValueLayout.JAVA_BYTE, 5L * 4096 + 7, (byte) 0x5a);
            assertEquals(false, SequentialStream.read(file, guest).get("memory_equal"));
        }
    }

    @Test
    void aStreamCutShortInsideARecordIsRefusedByName(@TempDir Path dir) throws Exception {
        try (GuestMemory guest = guest()) {
            Path file = dir.resolve("stream");
            SequentialStream.write(guest, file);
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.truncate(ch.size() - 100);
            }
            IOException e = assertThrows(IOException.class, () -> SequentialStream.read(file, guest));
            assertTrue(e.getMessage().equals(file + ": cut short inside a record"), e.getMessage());
        }
    }

    /** 600 pages: page i holds its index in every long, except every third page, which stays zero. */
    private static GuestMemory guest() {
        RamBlock block = RamBlock.anonymous("ram", (long) PAGES * 4096, 4096);
        for (int i = 0; i < PAGES; i++) {
            if (i % 3 == 0) continue;
            for (int at = 0; at < 4096; at += 8) block.memory().set(ValueLayout.JAVA_LONG, (long) i * 4096 + at, i + 1L);
        }
        return GuestMemory.of(List.of(block));
    }
}
