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
 * ABI's ({@code __NR_userfaultfd} differs on aarch64). On any other system or architecture
 * {@link #UNAVAILABLE_REASON} says why and every call throws {@link IllegalStateException}; a call whose symbol
 * does not link throws it naming the call.
 */
final class NativeCalls {
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    /** Why the calls are unavailable, or null when they are. */
    static final String UNAVAILABLE_REASON = platformMismatch();

    // Each downcall is linked at its first use, in a holder of its own: linking spins classes and costs the JIT
    // work (all of them at once took ~0.5 s of CPU at every start), and a migration uses a few of them.
    static final class Open {
        static final Linked LINKED = link("open",
                () -> withErrno(linux_h.open.address(), linux_h.open.makeInvoker(linux_h.C_INT).descriptor(), true));
    }

    static final class Close {
        static final Linked LINKED = link("close",
                () -> withErrno(linux_h.close$address(), linux_h.close$descriptor(), false));
    }

    static final class Flock {
        static final Linked LINKED = link("flock",
                () -> withErrno(linux_h.flock$address(), linux_h.flock$descriptor(), false));
    }

    static final class Mmap {
        static final Linked LINKED = link("mmap",
                () -> withErrno(linux_h.mmap$address(), linux_h.mmap$descriptor(), false));
    }

    static final class Madvise {
        static final Linked LINKED = link("madvise",
                () -> withErrno(linux_h.madvise$address(), linux_h.madvise$descriptor(), false));
    }

    static final class Mincore {
        static final Linked LINKED = link("mincore",
                () -> withErrno(linux_h.mincore$address(), linux_h.mincore$descriptor(), false));
    }

    static final class Syscall {
        static final Linked LINKED = link("syscall", () -> withErrno(linux_h.syscall.address(),
                linux_h.syscall.makeInvoker(linux_h.C_INT).descriptor(), true));
    }

    static final class Ioctl {
        static final Linked LINKED = link("ioctl", () -> withErrno(linux_h.ioctl.address(),
                linux_h.ioctl.makeInvoker(linux_h.C_POINTER).descriptor(), true));
    }

    static final class Poll {
        static final Linked LINKED = link("poll",
                () -> withErrno(linux_h.poll$address(), linux_h.poll$descriptor(), false));
    }

    static final class Read {
        static final Linked LINKED = link("read",
                () -> withErrno(linux_h.read$address(), linux_h.read$descriptor(), false));
    }

    private static String platformMismatch() {
        String os = System.getProperty("os.name", "");
        String arch = System.getProperty("os.arch", "");
        return os.startsWith("Linux") && (arch.equals("amd64") || arch.equals("x86_64")) ? null
                : "the bindings are Linux x86-64's, this is " + os + " " + arch;
    }

    /** A linked downcall, or why it could not be linked. */
    record Linked(MethodHandle handle, String failure) {
        /** The handle; an {@link IllegalStateException} with the reason where it could not be linked. */
        MethodHandle get() {
            if (handle == null) {
                throw new IllegalStateException(failure);
            }
            return handle;
        }
    }

    /**
     * What {@code linker} makes; where it cannot be linked (another platform, a libc without the symbol) the reason,
     * which every call then throws: a clear error, never a holder class that failed to initialize.
     */
    private static Linked link(String call, java.util.function.Supplier<MethodHandle> linker) {
        if (UNAVAILABLE_REASON != null) {
            return new Linked(null, "Linux calls are unavailable: " + UNAVAILABLE_REASON);
        }
        try {
            return new Linked(linker.get(), null);
        } catch (RuntimeException | LinkageError e) {
            return new Linked(null, "libc's " + call + " cannot be linked: " + e);
        }
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
