package io.jmultifd.multifd.postcopy;

import io.jmultifd.linux.ErrnoException;
import io.jmultifd.linux.ffi.linux_h;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the destination says when userfaultfd is not there for it: the reason and the fix, per errno. */
@EnabledOnOs(value = OS.LINUX, architectures = "amd64")
class UserfaultfdProbeTest {

    @Test
    void epermNamesRootCapSysPtraceTheSysctlAndSeccomp() {
        String why = UserfaultfdProbe.refusal(() -> {
            throw new ErrnoException("userfaultfd", linux_h.EPERM());
        });
        assertEquals("postcopy-ram: the destination cannot use userfaultfd (userfaultfd: Operation not permitted): "
                + "this process may not handle page faults; run the destination as root or with CAP_SYS_PTRACE, "
                + "or allow it with `sysctl vm.unprivileged_userfaultfd=1`; in a container, its seccomp profile "
                + "must also allow the userfaultfd system call", why);
    }

    @Test
    void enosysNamesTheKernelAndSeccomp() {
        String why = UserfaultfdProbe.refusal(() -> {
            throw new ErrnoException("userfaultfd", linux_h.ENOSYS());
        });
        assertTrue(why.startsWith("postcopy-ram: the destination cannot use userfaultfd (userfaultfd: Function not implemented)"), why);
        assertTrue(why.contains("CONFIG_USERFAULTFD") && why.contains("seccomp"), why);
    }

    @Test
    void anotherErrnoStillSaysWhatFailed() {
        String why = UserfaultfdProbe.refusal(() -> {
            throw new ErrnoException("ioctl(UFFDIO_REGISTER)", linux_h.EINVAL());
        });
        assertTrue(why.startsWith("postcopy-ram: the destination cannot use userfaultfd (ioctl(UFFDIO_REGISTER): Invalid argument)"), why);
    }
}
