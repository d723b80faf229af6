package io.jmultifd.multifd.guest;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@link BackingFiles} without native calls, when libc's cannot be linked: the space is reserved by writing
 * zeros through a FileChannel (slower than posix_fallocate, and no reservation on a file system that stores
 * zero blocks as holes, e.g. ZFS with compression). It cannot mark a file as in use (FileChannel's fcntl locks are
 * released when the JDK closes any other channel of the file, as mapping it does), so it never proves a file
 * unused and never deletes one.
 */
final class JavaBackingFiles implements BackingFiles {
    private static final System.Logger LOG = System.getLogger(JavaBackingFiles.class.getName());
    private static final JavaBackingFiles INSTANCE = new JavaBackingFiles();
    private static final AtomicBoolean SAID_WHY = new AtomicBoolean();
    private static final int CHUNK = 1 << 20;

    private JavaBackingFiles() {}

    static JavaBackingFiles instance() {
        return INSTANCE;
    }

    /** The instance, saying once why libc's calls are not used. */
    static JavaBackingFiles fallback() {
        if (SAID_WHY.compareAndSet(false, true)) {
            LOG.log(System.Logger.Level.INFO, "file-backed blocks: posix_fallocate and flock not available ("
                    + LibcFiles.UNAVAILABLE_REASON + "); reserving disk space by writing zeros, and leaving "
                    + "stale staging files in place");
        }
        return INSTANCE;
    }

    @Override
    public Reservation create(Path file, long size) throws IOException {
        if (size <= 0) {
            throw new IllegalArgumentException("size must be positive, got " + size);
        }
        boolean done = false;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            try {
                ByteBuffer zeros = ByteBuffer.allocateDirect(CHUNK);
                for (long at = 0; at < size; ) {
                    zeros.clear().limit((int) Math.min(CHUNK, size - at));
                    at += channel.write(zeros, at);
                }
                done = true;
            } catch (IOException e) {
                throw new IOException("writing " + size + " bytes of zeros: " + e.getMessage(), e);
            } finally {
                if (!done) {
                    Files.deleteIfExists(file);
                }
            }
        }
        return () -> { };
    }

    @Override
    public boolean deleteIfUnused(Path file) {
        return false;
    }
}
