package io.jmultifd.multifd.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Files that back file-mapped guest blocks ({@link RamBlock#mapFile}): the free space of a directory, a new file
 * with its disk space reserved, and the proof that a file is no longer used by any run.
 *
 * <p>Why a reservation: a MAP_SHARED mapping of a sparse file takes its disk blocks at the first write to each
 * page. When the file system is full, that write raises SIGBUS: a Java access turns it into an
 * {@link InternalError}, a native one (libqpl decoding into the page) kills the JVM. Reserving every block before
 * anything writes the mapping ({@code posix_fallocate}) turns a full disk into an {@link IOException} at a time
 * when nothing is lost yet. A sparse file of the right length is NOT a reservation. On copy-on-write file systems
 * (btrfs, ZFS) a reservation covers the first write of each block only; rewrites may need space again.
 *
 * <p>{@link #system()} uses libc ({@code posix_fallocate}, {@code flock}) where it can, else pure Java. Tests
 * inject their own to report a full disk.
 */
public interface BackingFiles {
    /** The bytes an unprivileged process may still allocate on the file system of {@code directory}. */
    default long usableBytes(Path directory) throws IOException {
        return Files.getFileStore(directory).getUsableSpace();
    }

    /**
     * Creates {@code file} (never an existing one), reserves disk space for its first {@code size} bytes (its
     * length becomes {@code size}) and holds it as in use until the returned reservation is closed. On failure
     * nothing is left at {@code file}.
     */
    Reservation create(Path file, long size) throws IOException;

    /**
     * Deletes {@code file} if it is provably not in use: no open reservation of any process holds it. Returns
     * false, and leaves the file, when it is in use or when this implementation cannot tell.
     */
    boolean deleteIfUnused(Path file) throws IOException;

    /** A file created by {@link #create}: in use until closed. Closing neither deletes nor unmaps it. */
    interface Reservation extends AutoCloseable {
        @Override
        void close();
    }

    /** libc's posix_fallocate and flock on Linux; zeros written through a FileChannel elsewhere. */
    static BackingFiles system() {
        return LibcFiles.AVAILABLE ? NativeBackingFiles.INSTANCE : JavaBackingFiles.fallback();
    }
}
