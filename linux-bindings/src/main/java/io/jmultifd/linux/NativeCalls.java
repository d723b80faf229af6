package io.jmultifd.linux;

import io.jmultifd.linux.ffi.linux_h;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The downcalls of the owner layer, linked once: the generated functions' addresses and descriptors, linked again
 * with {@code captureCallState("errno")} where the caller needs errno (jextract's own handles do not capture it),
 * and with {@code firstVariadicArg} for the variadic ones ({@code open}, {@code ioctl}, {@code syscall}).
 *
 * <p>The bindings were generated from Debian 12's x86-64 headers: their constants and syscall numbers are that
 * ABI's ({@code __NR_userfaultfd} differs on aarch64). On any other system or architecture, or when a symbol does
 * not link, {@link #UNAVAILABLE_REASON} says why and every call throws {@link IllegalStateException}.
 */
final class NativeCalls {
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    static final MethodHandle OPEN;
    static final MethodHandle CLOSE;
    static final MethodHandle FLOCK;
    static final MethodHandle MMAP;
    static final MethodHandle MADVISE;
    static final MethodHandle MINCORE;
    static final MethodHandle SYSCALL;
    static final MethodHandle IOCTL;
    static final MethodHandle POLL;
    static final MethodHandle READ;
    /** Why the calls are unavailable, or null when they are. */
    static final String UNAVAILABLE_REASON;

    static {
        MethodHandle open = null;
        MethodHandle close = null;
        MethodHandle flock = null;
        MethodHandle mmap = null;
        MethodHandle madvise = null;
        MethodHandle mincore = null;
        MethodHandle syscall = null;
        MethodHandle ioctl = null;
        MethodHandle poll = null;
        MethodHandle read = null;
        String reason = null;
        String os = System.getProperty("os.name", "");
        String arch = System.getProperty("os.arch", "");
        if (!os.startsWith("Linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            reason = "the bindings are Linux x86-64's, this is " + os + " " + arch;
        } else {
            try {
                open = withErrno(linux_h.open.address(), linux_h.open.makeInvoker(linux_h.C_INT).descriptor(), true);
                close = withErrno(linux_h.close$address(), linux_h.close$descriptor(), false);
                flock = withErrno(linux_h.flock$address(), linux_h.flock$descriptor(), false);
                mmap = withErrno(linux_h.mmap$address(), linux_h.mmap$descriptor(), false);
                madvise = withErrno(linux_h.madvise$address(), linux_h.madvise$descriptor(), false);
                mincore = withErrno(linux_h.mincore$address(), linux_h.mincore$descriptor(), false);
                syscall = withErrno(linux_h.syscall.address(),
                        linux_h.syscall.makeInvoker(linux_h.C_INT).descriptor(), true);
                ioctl = withErrno(linux_h.ioctl.address(), linux_h.ioctl.makeInvoker(linux_h.C_POINTER).descriptor(),
                        true);
                poll = withErrno(linux_h.poll$address(), linux_h.poll$descriptor(), false);
                read = withErrno(linux_h.read$address(), linux_h.read$descriptor(), false);
                // Used through jextract's own handles (no errno needed): link them now, not at the first call.
                linux_h.posix_fallocate$handle();
                linux_h.strerror$handle();
                linux_h.munmap$handle();
                linux_h.isatty$handle();
                linux_h.sysconf$handle();
                linux_h.dlopen$handle();
                linux_h.dlsym$handle();
                linux_h.dlerror$handle();
                linux_h.dlclose$handle();
                linux_h.getrusage$handle();
            } catch (RuntimeException | LinkageError e) {
                reason = "libc's calls cannot be linked: " + e;
                open = close = flock = mmap = madvise = mincore = syscall = ioctl = poll = read = null;
            }
        }
        OPEN = open;
        CLOSE = close;
        FLOCK = flock;
        MMAP = mmap;
        MADVISE = madvise;
        MINCORE = mincore;
        SYSCALL = syscall;
        IOCTL = ioctl;
        POLL = poll;
        READ = read;
        UNAVAILABLE_REASON = reason;
    }

    private NativeCalls() {}

    /**
     * The function at {@code address} with errno captured (the handle takes the capture segment first); a variadic
     * descriptor holds the fixed arguments and exactly one variadic argument, last.
     */
    private static MethodHandle withErrno(MemorySegment address, FunctionDescriptor descriptor, boolean variadic) {
        Linker.Option errno = Linker.Option.captureCallState("errno");
        return variadic
                ? Linker.nativeLinker().downcallHandle(address, descriptor,
                        Linker.Option.firstVariadicArg(descriptor.argumentLayouts().size() - 1), errno)
                : Linker.nativeLinker().downcallHandle(address, descriptor, errno);
    }

    static void requireAvailable() {
        if (UNAVAILABLE_REASON != null) {
            throw new IllegalStateException("Linux calls are unavailable: " + UNAVAILABLE_REASON);
        }
    }

    /** Space for the errno a call leaves behind. */
    static MemorySegment callState(Arena arena) {
        return arena.allocate(CALL_STATE);
    }

    static int errno(MemorySegment callState) {
        return (int) ERRNO.get(callState, 0L);
    }

    /** A Throwable out of invokeExact that is neither a RuntimeException nor an Error: a bug in a handle's type. */
    static IllegalStateException unexpected(String call, Throwable t) {
        return new IllegalStateException(call + ": " + t, t);
    }
}
