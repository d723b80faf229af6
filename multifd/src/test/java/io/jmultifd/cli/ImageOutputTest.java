package io.jmultifd.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jmultifd.multifd.BlockFactory;
import io.jmultifd.multifd.guest.BackingFiles;
import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.RamBlock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --output}: staging files never collide with final names, files of earlier runs are deleted only when they
 * are provably a dead run's staging file, and a disk without room is refused naming the image, needed and free.
 */
class ImageOutputTest {
    private static final int PAGE = 4096;
    private static final long MIB = 1 << 20;

    @TempDir
    Path dir;

    /** Every file in the directory (hidden ones included) with its content. */
    private Map<String, byte[]> files() throws IOException {
        Map<String, byte[]> all = new TreeMap<>();
        try (Stream<Path> list = Files.list(dir)) {
            for (Path p : list.toList()) {
                all.put(p.getFileName().toString(), Files.readAllBytes(p));
            }
        }
        return all;
    }

    private static byte[] filled(int pages, int value) {
        byte[] b = new byte[pages * PAGE];
        Arrays.fill(b, (byte) value);
        return b;
    }

    private static RamBlock block(BlockFactory factory, String name, int pages, int value) {
        RamBlock block = factory.create(name, (long) pages * PAGE, PAGE);
        block.memory().fill((byte) value);
        return block;
    }

    @Test
    void blocksNamedXPartAndXEachLandInTheirOwnFile() throws Exception {
        Path image = dir.resolve("img");
        ImageOutput output = new ImageOutput(image);
        BlockFactory factory = output.blockFactory(false);
        try (GuestMemory guest = GuestMemory.of(block(factory, "x.part", 1, 'A'), block(factory, "x", 2, 'B'))) {
            output.commit(guest);
        } finally {
            output.discard();
        }
        Map<String, byte[]> files = files();
        assertEquals(List.of("img.x", "img.x.part"), List.copyOf(files.keySet()), "exactly the two final files");
        assertArrayEquals(filled(1, 'A'), files.get("img.x.part"), "block x.part");
        assertArrayEquals(filled(2, 'B'), files.get("img.x"), "block x");
    }

    @Test
    void filesOfEarlierRunsThatAreNoStagingFileOfThisImageAreNeverDeleted() throws Exception {
        Path image = dir.resolve("img");
        // An earlier run's final files (blocks called y.part, x.part and x: the first is where the old code staged
        // block y), and files that only look like staging files: another image's, one without the run id, ones
        // with a malformed one, one without the leading dot.
        List<String> kept = List.of("img.y.part", "img.x.part", "img.x", "img", ".img.y.part", ".other.x~jmultifd-1-0badcafe.part",
                ".img.x~jmultifd-1-0BADCAFE.part", ".img.x~jmultifd--0badcafe.part", "img.x~jmultifd-1-0badcafe.part");
        for (String name : kept) {
            Files.writeString(dir.resolve(name), "earlier " + name);
        }
        for (boolean completed : new boolean[] {false, true}) {
            ImageOutput output = new ImageOutput(image);
            try (GuestMemory guest = GuestMemory.of(block(output.blockFactory(false), "y", 1, 'C'))) {
                if (completed) {
                    output.commit(guest); // one block: written to img itself, which it replaces
                }
            } finally {
                output.discard();
            }
        }
        Map<String, byte[]> files = files();
        List<String> expected = new ArrayList<>(kept);
        expected.sort(null);
        assertEquals(expected, List.copyOf(files.keySet()));
        for (String name : kept) {
            if (!name.equals("img")) {
                assertEquals("earlier " + name, new String(files.get(name)), name);
            }
        }
        assertArrayEquals(filled(1, 'C'), files.get("img"));
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void theStagingFileOfADeadRunIsRemovedAndThatOfALiveRunKept() throws Exception {
        Path image = dir.resolve("img");
        Path dead = dir.resolve(".img.ram~jmultifd-4242-0badcafe.part"); // nobody holds it: its run has ended
        Files.write(dead, filled(1, 'D'));
        ImageOutput live = new ImageOutput(image);
        ImageOutput next = new ImageOutput(image);
        try {
            RamBlock liveBlock = block(live.blockFactory(false), "ram", 1, 'L');
            List<String> liveStaging;
            try (Stream<Path> list = Files.list(dir)) {
                liveStaging = list.map(p -> p.getFileName().toString()).filter(n -> n.contains("~jmultifd-")).toList();
            }
            assertEquals(1, liveStaging.size(), "the dead run's file is gone, the live run's is there: " + liveStaging);
            assertTrue(!liveStaging.contains(dead.getFileName().toString()));

            try (GuestMemory guest = GuestMemory.of(block(next.blockFactory(false), "ram", 1, 'N'))) {
                assertTrue(Files.exists(dir.resolve(liveStaging.getFirst())), "a live run's staging file is kept");
                next.commit(guest);
            }
            assertArrayEquals(filled(1, 'N'), Files.readAllBytes(image));
            try (GuestMemory guest = GuestMemory.of(liveBlock)) {
                live.commit(guest);
            }
            assertArrayEquals(filled(1, 'L'), Files.readAllBytes(image));
        } finally {
            live.discard();
            next.discard();
        }
        assertEquals(List.of("img"), List.copyOf(files().keySet()));
    }

    /** The system's files, with free space and reservation failures as a test says. */
    private static final class FullDisk implements BackingFiles {
        final BackingFiles real = BackingFiles.system();
        long free;
        IOException failCreate;

        FullDisk(long free) {
            this.free = free;
        }

        @Override
        public long usableBytes(Path directory) {
            return free;
        }

        @Override
        public Reservation create(Path file, long size) throws IOException {
            if (failCreate != null) {
                throw failCreate;
            }
            Reservation r = real.create(file, size);
            free -= size;
            return r;
        }

        @Override
        public boolean deleteIfUnused(Path file) throws IOException {
            return real.deleteIfUnused(file);
        }
    }

    @Test
    void tooLittleFreeSpaceIsRefusedNamingTheImageTheBytesNeededAndFree() throws Exception {
        Path image = dir.resolve("img");
        ImageOutput output = new ImageOutput(image, new FullDisk(MIB));
        RuntimeException e = assertThrows(RuntimeException.class,
                () -> output.blockFactory(false).create("ram", 8 * MIB, PAGE));
        output.discard();
        assertEquals("--output " + image + ": block ram needs 8388608 bytes (8.0 MiB), only 1048576 bytes (1.0 MiB) "
                + "free on " + dir, e.getMessage());
        assertEquals(Map.of(), files());
    }

    @Test
    void aFailedReservationIsRefusedWithItsCause() throws Exception {
        Path image = dir.resolve("img");
        FullDisk disk = new FullDisk(64 * MIB);
        disk.failCreate = new IOException("posix_fallocate of 8388608 bytes: No space left on device");
        ImageOutput output = new ImageOutput(image, disk);
        RuntimeException e = assertThrows(RuntimeException.class,
                () -> output.blockFactory(false).create("ram", 8 * MIB, PAGE));
        output.discard();
        assertEquals("--output " + image + ": cannot reserve the 8388608 bytes (8.0 MiB) that block ram needs "
                + "(67108864 bytes (64.0 MiB) free on " + dir + "): posix_fallocate of 8388608 bytes: "
                + "No space left on device", e.getMessage());
        assertEquals(Map.of(), files());
    }

    @Test
    void whenALaterBlockDoesNotFitTheMessageCountsTheEarlierOnesAndNothingIsLeft() throws Exception {
        Path image = dir.resolve("img");
        ImageOutput output = new ImageOutput(image, new FullDisk(12 * MIB));
        BlockFactory factory = output.blockFactory(true);
        try (RamBlock first = factory.create("low", 8 * MIB, PAGE)) {
            RuntimeException e = assertThrows(RuntimeException.class, () -> factory.create("high", 8 * MIB, PAGE));
            assertEquals("--output " + image + ": block high needs 8388608 bytes (8.0 MiB), only 4194304 bytes "
                    + "(4.0 MiB) free on " + dir + ", after the 8388608 bytes (8.0 MiB) reserved for the blocks "
                    + "before it", e.getMessage());
        } finally {
            output.discard();
        }
        assertEquals(Map.of(), files());
    }
}
