package io.jmultifd.multifd.guest;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The libc file calls the JDK lacks: {@code open}, {@code close}, {@code flock}, {@code posix_fallocate} and
 * {@code strerror}. A hand-written STAND-IN until jextract bindings of {@code fcntl.h}, {@code sys/file.h} and
 * {@code string.h} are generated: the project's rule is that native calls other than libqpl's go through jextract
 * output in a package of its own (DESIGN.md), and jextract is not available on the build machines yet. Keep
 * every libc downcall of the file path here, so that the swap touches this one class ({@link NativeBackingFiles}
 * is the owner layer on top).
 *
 * <p>Linux only: the flag values are Linux's (the same on x86-64 and aarch64). {@link #AVAILABLE} is false on
 * other systems or when a symbol cannot be linked; callers then use the pure-Java {@link JavaBackingFiles}.
 */
final class LibcFiles {
    private static final int O_RDONLY = 0;
    private static final int O_RDWR = 2;
    private static final int O_CREAT = 0100;
    private static final int O_EXCL = 0200;
    private static final int O_CLOEXEC = 02000000;
    private static final int LOCK_EX = 2;
    private static final int LOCK_NB = 4;
    static final int ENOENT = 2;
    static final int EEXIST = 17;
    static final int EWOULDBLOCK = 11;
    static final int ENOSPC = 28;

    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private static final MethodHandle OPEN;
    private static final MethodHandle CLOSE;
    private static final MethodHandle FLOCK;
    private static final MethodHandle POSIX_FALLOCATE;
    private static final MethodHandle STRERROR;
    /** Why the calls are unavailable, or null when they are. */
    static final String UNAVAILABLE_REASON;
    static final boolean AVAILABLE;

    static {
        MethodHandle open = null;
        MethodHandle close = null;
        MethodHandle flock = null;
        MethodHandle fallocate = null;
        MethodHandle strerror = null;
        String reason = null;
        if (!System.getProperty("os.name", "").startsWith("Linux")) {
            reason = "not Linux";
        } else {
            try {
                Linker linker = Linker.nativeLinker();
                SymbolLookup libc = linker.defaultLookup();
                Linker.Option errno = Linker.Option.captureCallState("errno");
                open = linker.downcallHandle(libc.find("open").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                                ValueLayout.JAVA_INT),
                        Linker.Option.firstVariadicArg(2), errno);
                close = linker.downcallHandle(libc.find("close").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
                flock = linker.downcallHandle(libc.find("flock").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), errno);
                // posix_fallocate returns the error number instead of setting errno.
                fallocate = linker.downcallHandle(libc.find("posix_fallocate").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                                ValueLayout.JAVA_LONG));
                strerror = linker.downcallHandle(libc.find("strerror").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
            } catch (RuntimeException | LinkageError e) {
                reason = e.toString();
                open = close = flock = fallocate = strerror = null;
            }
        }
        OPEN = open;
        CLOSE = close;
        FLOCK = flock;
        POSIX_FALLOCATE = fallocate;
        STRERROR = strerror;
        UNAVAILABLE_REASON = reason;
        AVAILABLE = reason == null;
    }

    private LibcFiles() {}

    /** open(2) with O_CLOEXEC: a new file (O_CREAT|O_EXCL, mode 0644 before the umask) read-write, or an existing one read-only. */
    static int open(Path path, boolean createNew) throws IOException {
        int flags = O_CLOEXEC | (createNew ? O_RDWR | O_CREAT | O_EXCL : O_RDONLY);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(path.toString()), flags, 0644);
            if (fd < 0) {
                int errno = (int) ERRNO.get(state, 0L);
                String message = strerror(errno);
                throw switch (errno) {
                    case ENOENT -> new NoSuchFileException(path.toString(), null, message);
                    case EEXIST -> new FileAlreadyExistsException(path.toString(), null, message);
                    default -> new IOException(path + ": " + message);
                };
            }
            return fd;
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("open: " + t, t);
        }
    }

    static void close(int fd) {
        try {
            int ignored = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw new IllegalStateException("close: " + t, t);
        }
    }

    /**
     * flock(fd, LOCK_EX|LOCK_NB): true when this open file now holds the exclusive lock, false when another open
     * file (of any process, this one included) holds a lock on the file.
     */
    static boolean tryLockExclusive(int fd, Path path) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) FLOCK.invokeExact(state, fd, LOCK_EX | LOCK_NB);
            if (rc == 0) {
                return true;
            }
            int errno = (int) ERRNO.get(state, 0L);
            if (errno == EWOULDBLOCK) {
                return false;
            }
            throw new IOException("flock " + path + ": " + strerror(errno));
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("flock: " + t, t);
        }
    }

    /** posix_fallocate(fd, 0, length): 0, or the error number (e.g. {@link #ENOSPC}). */
    static int fallocate(int fd, long length) {
        try {
            return (int) POSIX_FALLOCATE.invokeExact(fd, 0L, length);
        } catch (Throwable t) {
            throw new IllegalStateException("posix_fallocate: " + t, t);
        }
    }

    static String strerror(int errno) {
        try {
            MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
            return text.equals(MemorySegment.NULL) ? "errno " + errno : text.reinterpret(1024).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }
}
