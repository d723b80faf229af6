package io.jmultifd.multifd.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@link BackingFiles} on libc ({@link LibcFiles}): {@code posix_fallocate} reserves the blocks, and an exclusive
 * {@code flock} held on the creating open file marks the file as in use until the run ends (the kernel releases
 * it when the process dies, however it dies). flock, unlike the fcntl locks of {@code FileChannel.lock}, belongs
 * to the open file, so the JDK opening and closing the same file to map it does not release it.
 */
final class NativeBackingFiles implements BackingFiles {
    static final NativeBackingFiles INSTANCE = new NativeBackingFiles();
    private static final Path PROC_FDS = Path.of("/proc/self/fd");

    private NativeBackingFiles() {}

    @Override
    public Reservation create(Path file, long size) throws IOException {
        if (size <= 0) {
            throw new IllegalArgumentException("size must be positive, got " + size);
        }
        int fd = LibcFiles.open(file, true);
        boolean ours = false;
        boolean done = false;
        try {
            // Between open and flock another run's deleteIfUnused could take the new file for a stale one; once
            // the lock is held and the name still names this file, nobody can.
            if (!LibcFiles.tryLockExclusive(fd, file) || !sameFile(file, fd)) {
                throw new IOException(file + " was removed by another process while it was being created");
            }
            ours = true;
            int error = LibcFiles.fallocate(fd, size);
            if (error != 0) {
                throw new IOException("posix_fallocate of " + size + " bytes: " + LibcFiles.strerror(error));
            }
            done = true;
            return new Held(fd);
        } finally {
            if (!done) {
                try {
                    if (ours) {
                        Files.deleteIfExists(file); // while still locked: nothing else can own this name yet
                    }
                } finally {
                    LibcFiles.close(fd);
                }
            }
        }
    }

    @Override
    public boolean deleteIfUnused(Path file) throws IOException {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || !Files.isDirectory(PROC_FDS)) {
            return false;
        }
        int fd;
        try {
            fd = LibcFiles.open(file, false);
        } catch (NoSuchFileException gone) {
            return false;
        }
        try {
            // Locked: no reservation of any live process holds it. The name must still name the locked file
            // (it may have been renamed away meanwhile): only that file is deleted.
            if (!LibcFiles.tryLockExclusive(fd, file) || !sameFile(file, fd)) {
                return false;
            }
            Files.delete(file);
            return true;
        } catch (NoSuchFileException gone) {
            return false;
        } finally {
            LibcFiles.close(fd);
        }
    }

    /** Whether {@code file} still names the file open at {@code fd}; true when /proc cannot tell (no /proc). */
    private static boolean sameFile(Path file, int fd) throws IOException {
        if (!Files.isDirectory(PROC_FDS)) {
            return true;
        }
        try {
            return Files.isSameFile(file, PROC_FDS.resolve(Integer.toString(fd)));
        } catch (NoSuchFileException gone) {
            return false;
        }
    }

    /** The open, locked file descriptor; closing it releases the lock. */
    private static final class Held implements Reservation {
        private final int fd;
        private final AtomicBoolean closed = new AtomicBoolean();

        Held(int fd) {
            this.fd = fd;
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                LibcFiles.close(fd);
            }
        }
    }
}
