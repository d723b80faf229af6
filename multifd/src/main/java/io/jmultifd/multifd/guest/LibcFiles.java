package io.jmultifd.multifd.guest;

import io.jmultifd.linux.ErrnoException;
import io.jmultifd.linux.Libc;
import io.jmultifd.linux.ffi.linux_h;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The libc file calls the JDK lacks, as the disk reservation uses them: {@code open}, {@code close},
 * {@code flock}, {@code posix_fallocate} and {@code strerror}, through linux-bindings (jextract's bindings and
 * their owner layer, {@link Libc}). {@link NativeBackingFiles} is the owner of the descriptors on top.
 *
 * <p>{@link #AVAILABLE} is false where linux-bindings is (not Linux x86-64, or a symbol does not link); callers
 * then use the pure-Java {@link JavaBackingFiles}.
 */
final class LibcFiles {
    static final int ENOENT = linux_h.ENOENT();
    static final int EEXIST = linux_h.EEXIST();
    static final int EWOULDBLOCK = linux_h.EWOULDBLOCK();
    static final int ENOSPC = linux_h.ENOSPC();
    /** Why the calls are unavailable, or null when they are. */
    static final String UNAVAILABLE_REASON = Libc.unavailableReason();
    static final boolean AVAILABLE = UNAVAILABLE_REASON == null;

    private LibcFiles() {}

    /** open(2) with O_CLOEXEC: a new file (O_CREAT|O_EXCL, mode 0644 before the umask) read-write, or an existing one read-only. */
    static int open(Path path, boolean createNew) throws IOException {
        int flags = linux_h.O_CLOEXEC()
                | (createNew ? linux_h.O_RDWR() | linux_h.O_CREAT() | linux_h.O_EXCL() : linux_h.O_RDONLY());
        try {
            return Libc.open(path, flags, 0644);
        } catch (ErrnoException e) {
            String message = strerror(e.errno());
            if (e.errno() == ENOENT) {
                throw new NoSuchFileException(path.toString(), null, message);
            }
            if (e.errno() == EEXIST) {
                throw new FileAlreadyExistsException(path.toString(), null, message);
            }
            throw new IOException(path + ": " + message);
        }
    }

    static void close(int fd) {
        try {
            Libc.close(fd);
        } catch (ErrnoException ignored) {
            // Linux releases the descriptor even when close reports an error (EINTR, EIO): nothing to retry. These
            // descriptors only hold a lock and allocate blocks; the data goes through the JDK's own mapping.
        }
    }

    /**
     * flock(fd, LOCK_EX|LOCK_NB): true when this open file now holds the exclusive lock, false when another open
     * file (of any process, this one included) holds a lock on the file.
     */
    static boolean tryLockExclusive(int fd, Path path) throws IOException {
        try {
            return Libc.flock(fd, linux_h.LOCK_EX() | linux_h.LOCK_NB());
        } catch (ErrnoException e) {
            throw new IOException("flock " + path + ": " + strerror(e.errno()));
        }
    }

    /** posix_fallocate(fd, 0, length): 0, or the error number (e.g. {@link #ENOSPC}). */
    static int fallocate(int fd, long length) {
        try {
            Libc.posixFallocate(fd, 0, length);
            return 0;
        } catch (ErrnoException e) {
            return e.errno();
        }
    }

    static String strerror(int errno) {
        return Libc.strerror(errno);
    }
}
