package io.jmultifd.multifd.guest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Disk space reservations for file-mapped blocks, on a real tmpfs that runs full, for both implementations: libc
 * (posix_fallocate, flock) and the pure-Java fallback that is used when libc's calls cannot be linked.
 */
class BackingFilesTest {
    private static final long MIB = 1 << 20;
    private static final ValueLayout.OfLong BIG_ENDIAN_LONG = ValueLayout.JAVA_LONG.withOrder(ByteOrder.BIG_ENDIAN);

    @TempDir
    Path dir;

    static Stream<BackingFiles> implementations() {
        return LibcFiles.AVAILABLE ? Stream.of(NativeBackingFiles.INSTANCE, JavaBackingFiles.instance())
                : Stream.of(JavaBackingFiles.instance());
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void onLinuxTheLibcCallsAreLinkedAndUsed() {
        assertTrue(LibcFiles.AVAILABLE, () -> "libc's file calls cannot be linked: " + LibcFiles.UNAVAILABLE_REASON);
        assertTrue(BackingFiles.system() instanceof NativeBackingFiles);
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void aReservationTakesTheSpaceWhichASparseFileDoesNot(BackingFiles files) throws Exception {
        try (TinyTmpfs fs = TinyTmpfs.mount(dir.resolve("fs"), 8 * MIB)) {
            long before = fs.usableBytes();
            try (RandomAccessFile sparse = new RandomAccessFile(fs.resolve("sparse").toFile(), "rw")) {
                sparse.setLength(6 * MIB);
            }
            assertTrue(fs.usableBytes() > before - MIB, "a sparse file of 6 MiB takes no space: the control");
            Files.delete(fs.resolve("sparse"));

            try (BackingFiles.Reservation reservation = files.create(fs.resolve("reserved"), 6 * MIB)) {
                assertEquals(6 * MIB, Files.size(fs.resolve("reserved")));
                assertTrue(fs.usableBytes() <= before - 6 * MIB, "reserved: " + fs.usableBytes() + " of " + before
                        + " bytes still free");
            }
            assertTrue(Files.exists(fs.resolve("reserved")), "closing the reservation keeps the file");
        }
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void moreThanIsFreeFailsAndLeavesNothing(BackingFiles files) throws Exception {
        try (TinyTmpfs fs = TinyTmpfs.mount(dir.resolve("fs"), 8 * MIB)) {
            IOException e = assertThrows(IOException.class, () -> files.create(fs.resolve("big"), 16 * MIB));
            assertTrue(e.getMessage().contains("No space left on device"), e.getMessage());
            assertFalse(Files.exists(fs.resolve("big")));
            assertTrue(fs.usableBytes() >= 7 * MIB, "the partial reservation is given back");
        }
    }

    /**
     * The reservation is the guard against a fault in a mapped write: on a disk that is full, writing every page of
     * a reserved mapping works, while the same writes into a sparse mapping fault (the control: the JDK turns the
     * SIGBUS of a Java access into an InternalError; a native writer such as libqpl would kill the JVM).
     */
    @ParameterizedTest
    @MethodSource("implementations")
    void everyPageOfAReservedMappingCanBeWrittenOnAFullDisk(BackingFiles files) throws Exception {
        try (TinyTmpfs fs = TinyTmpfs.mount(dir.resolve("fs"), 8 * MIB)) {
            long size = 4 * MIB;
            try (BackingFiles.Reservation reservation = files.create(fs.resolve("reserved"), size);
                 RamBlock sparse = RamBlock.mapFile("sparse", fs.resolve("sparse"), size)) {
                fs.fillUp("filler");
                assertTrue(fs.usableBytes() < 4096, "the disk is full");
                try (RamBlock block = RamBlock.mapFile("reserved", fs.resolve("reserved"), size)) {
                    for (long at = 0; at < size; at += 4096) {
                        block.memory().set(BIG_ENDIAN_LONG, at, at + 1);
                    }
                    block.memory().force();
                }
                assertThrows(InternalError.class, () -> {
                    for (long at = 0; at < size; at += 4096) {
                        sparse.memory().set(BIG_ENDIAN_LONG, at, at + 1);
                    }
                });
            }
            try (var in = new RandomAccessFile(fs.resolve("reserved").toFile(), "r")) {
                in.seek(size - 4096);
                assertEquals(size - 4096 + 1, in.readLong(), "the last page's write is in the file");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void anExistingFileIsNeverOverwritten(BackingFiles files) throws Exception {
        Path file = dir.resolve("existing");
        byte[] content = {1, 2, 3};
        Files.write(file, content);
        assertThrows(FileAlreadyExistsException.class, () -> files.create(file, MIB));
        assertArrayEquals(content, Files.readAllBytes(file));
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void aFileIsProvedUnusedOnlyOnceItsReservationIsClosed() throws Exception {
        BackingFiles files = NativeBackingFiles.INSTANCE;
        Path file = dir.resolve("staging");
        BackingFiles.Reservation reservation = files.create(file, MIB);
        try {
            assertFalse(files.deleteIfUnused(file), "in use: kept");
            assertTrue(Files.exists(file));
            // The JDK opening and closing the file (as mapping it does) does not end the reservation.
            try (RamBlock block = RamBlock.mapFile("b", file, MIB)) {
                block.memory().set(ValueLayout.JAVA_BYTE, 0, (byte) 7);
            }
            assertFalse(files.deleteIfUnused(file), "still in use after the file was mapped and unmapped");
        } finally {
            reservation.close();
        }
        assertTrue(files.deleteIfUnused(file), "closed: provably unused");
        assertFalse(Files.exists(file));
        assertFalse(files.deleteIfUnused(file), "a missing file");
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void aSymbolicLinkIsNeverDeletedNorItsTarget() throws Exception {
        Path target = dir.resolve("target");
        Files.write(target, new byte[] {9});
        Path link = Files.createSymbolicLink(dir.resolve("link"), target);
        assertFalse(NativeBackingFiles.INSTANCE.deleteIfUnused(link));
        assertTrue(Files.isSymbolicLink(link));
        assertTrue(Files.exists(target));
    }

    @Test
    void thePureJavaFallbackNeverDeletesAFile() throws Exception {
        Path file = dir.resolve("staging");
        Files.write(file, new byte[] {1});
        assertFalse(JavaBackingFiles.instance().deleteIfUnused(file));
        assertTrue(Files.exists(file));
    }
}
