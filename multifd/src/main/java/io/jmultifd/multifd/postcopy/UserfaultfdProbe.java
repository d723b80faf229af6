package io.jmultifd.multifd.postcopy;

import io.jmultifd.linux.ErrnoException;
import io.jmultifd.linux.Libc;
import io.jmultifd.linux.Userfaultfd;
import io.jmultifd.linux.VirtualMemory;
import io.jmultifd.linux.ffi.linux_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Whether this process can be a postcopy destination: it opens a userfaultfd, makes the {@code UFFDIO_API}
 * handshake and registers a page of anonymous memory for missing-page faults, as postcopy will do with the guest.
 * The destination asks before it accepts a handshake with {@code postcopy-ram=on}, so that a destination without
 * userfaultfd refuses at once, never at the switchover. Tests inject a failing probe.
 */
@FunctionalInterface
public interface UserfaultfdProbe {

    /** Throws what the kernel said when a step fails. */
    void probe() throws ErrnoException;

    /** The real probe. */
    UserfaultfdProbe SYSTEM = () -> {
        if (!Libc.available()) {
            throw new UnsupportedOperationException(Libc.unavailableReason());
        }
        try (Userfaultfd uffd = Userfaultfd.open(linux_h.O_CLOEXEC() | linux_h.O_NONBLOCK());
             Arena arena = Arena.ofConfined()) {
            Userfaultfd.Api api = uffd.handshake(0);
            if (!api.hasIoctl(linux_h._UFFDIO_REGISTER())) {
                throw new ErrnoException("UFFDIO_API offers no UFFDIO_REGISTER", linux_h.ENOSYS());
            }
            MemorySegment page = VirtualMemory.mapAnonymous(arena, VirtualMemory.pageSize(), linux_h.MAP_NORESERVE());
            long ioctls = uffd.register(page, linux_h.UFFDIO_REGISTER_MODE_MISSING());
            if ((ioctls & (1L << linux_h._UFFDIO_COPY())) == 0 || (ioctls & (1L << linux_h._UFFDIO_ZEROPAGE())) == 0) {
                throw new ErrnoException("UFFDIO_REGISTER offers no UFFDIO_COPY/UFFDIO_ZEROPAGE", linux_h.ENOSYS());
            }
            uffd.unregister(page);
        }
    };

    /** Null when {@code probe} succeeds, else why this destination cannot do postcopy and how to fix it. */
    static String refusal(UserfaultfdProbe probe) {
        try {
            probe.probe();
            return null;
        } catch (ErrnoException e) {
            return explain(e);
        } catch (UnsupportedOperationException e) {
            return "postcopy-ram: the destination cannot use userfaultfd here (" + e.getMessage() + ")";
        }
    }

    /** The refusal for a failed step, with the fix for the errno that says why. */
    static String explain(ErrnoException e) {
        String prefix = "postcopy-ram: the destination cannot use userfaultfd (" + e.getMessage() + "): ";
        int errno = e.errno();
        if (errno == linux_h.EPERM()) {
            return prefix + "this process may not handle page faults; run the destination as root or with "
                    + "CAP_SYS_PTRACE, or allow it with `sysctl vm.unprivileged_userfaultfd=1`; in a container, "
                    + "its seccomp profile must also allow the userfaultfd system call";
        }
        if (errno == linux_h.ENOSYS()) {
            return prefix + "the kernel has no userfaultfd (CONFIG_USERFAULTFD), or a seccomp filter such as a "
                    + "container's blocks the system call; allow userfaultfd in the container's seccomp profile";
        }
        return prefix + "postcopy needs userfaultfd with missing-page registration of anonymous memory";
    }
}
