package io.jmultifd.linux;

import io.jmultifd.linux.ffi.linux_h;
import io.jmultifd.linux.ffi.winsize;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * libc's file calls that the JDK lacks: {@code open} (a raw file descriptor, e.g. to hold an {@code flock}),
 * {@code close}, {@code flock}, {@code posix_fallocate}, {@code isatty}, and {@code strerror}. Each failure is an
 * {@link ErrnoException} naming the call and errno. The flag values are {@code linux_h}'s ({@code O_*},
 * {@code LOCK_*}).
 */
public final class Libc {
    private Libc() {}

    /** Whether the calls link on this system (Linux x86-64); when not, every call throws IllegalStateException. */
    public static boolean available() {
        return NativeCalls.UNAVAILABLE_REASON == null;
    }

    /** Why {@link #available()} is false, or null when it is true. */
    public static String unavailableReason() {
        return NativeCalls.UNAVAILABLE_REASON;
    }

    /** open(2): the new file descriptor, which the caller owns and must {@link #close}. */
    public static int open(Path path, int flags, int mode) throws ErrnoException {
        NativeCalls.requireAvailable();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = NativeCalls.callState(arena);
            int fd = (int) NativeCalls.Open.LINKED.get().invokeExact(state, arena.allocateFrom(path.toString()), flags,
                    mode);
            if (fd < 0) {
                throw new ErrnoException("open " + path, NativeCalls.errno(state));
            }
            return fd;
        } catch (ErrnoException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw NativeCalls.unexpected("open", t);
        }
    }

    /**
     * close(2). On Linux the descriptor is released even when close reports an error (EINTR, EIO), so it must
     * not be closed again either way.
     */
    public static void close(int fd) throws ErrnoException {
        NativeCalls.requireAvailable();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = NativeCalls.callState(arena);
            if ((int) NativeCalls.Close.LINKED.get().invokeExact(state, fd) != 0) {
                throw new ErrnoException("close", NativeCalls.errno(state));
            }
        } catch (ErrnoException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw NativeCalls.unexpected("close", t);
        }
    }

    /**
     * flock(2): true when the lock is now held by the open file of {@code fd}; false when {@code operation} has
     * {@code LOCK_NB} and another open file (of any process, this one included) holds a conflicting lock.
     */
    public static boolean flock(int fd, int operation) throws ErrnoException {
        NativeCalls.requireAvailable();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = NativeCalls.callState(arena);
            if ((int) NativeCalls.Flock.LINKED.get().invokeExact(state, fd, operation) == 0) {
                return true;
            }
            int errno = NativeCalls.errno(state);
            if (errno == linux_h.EWOULDBLOCK() && (operation & linux_h.LOCK_NB()) != 0) {
                return false;
            }
            throw new ErrnoException("flock", errno);
        } catch (ErrnoException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw NativeCalls.unexpected("flock", t);
        }
    }

    /** posix_fallocate(3): allocates the blocks of [offset, offset + length); ENOSPC when the disk is full. */
    public static void posixFallocate(int fd, long offset, long length) throws ErrnoException {
        NativeCalls.requireAvailable();
        // posix_fallocate returns the error number rather than setting errno.
        int error = linux_h.posix_fallocate(fd, offset, length);
        if (error != 0) {
            throw new ErrnoException("posix_fallocate", error);
        }
    }

    /**
     * isatty(3): true when {@code fd} is an open descriptor of a terminal; false for anything else, a descriptor
     * that is not open included (isatty's errno, ENOTTY or EBADF, tells only which of those it was).
     */
    public static boolean isatty(int fd) {
        NativeCalls.requireAvailable();
        return linux_h.isatty(fd) == 1;
    }

    /**
     * The width in columns of the terminal on {@code fd} ({@code ioctl(TIOCGWINSZ)}'s {@code ws_col}); 0 when
     * {@code fd} is no terminal or the terminal does not say.
     */
    public static int terminalColumns(int fd) {
        NativeCalls.requireAvailable();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment size = winsize.allocate(arena);
            int rc = (int) NativeCalls.Ioctl.LINKED.get().invokeExact(NativeCalls.callState(arena), fd,
                    (long) linux_h.TIOCGWINSZ(), size);
            return rc == 0 ? Short.toUnsignedInt(winsize.ws_col(size)) : 0;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw NativeCalls.unexpected("ioctl(TIOCGWINSZ)", t);
        }
    }

    /** strerror(3): libc's text for an error number ("No space left on device"); "errno N" when there is none. */
    public static String strerror(int errno) {
        if (!available()) {
            return "errno " + errno;
        }
        MemorySegment text = linux_h.strerror(errno);
        return text.equals(MemorySegment.NULL) ? "errno " + errno : text.getString(0);
    }
}
