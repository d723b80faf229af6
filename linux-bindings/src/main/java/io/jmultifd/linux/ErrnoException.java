package io.jmultifd.linux;

import java.io.IOException;

/** A libc or Linux call failed: which call, its errno, and libc's text for it ({@code strerror}). */
public final class ErrnoException extends IOException {
    private final String call;
    private final int errno;

    public ErrnoException(String call, int errno) {
        super(call + ": " + Libc.strerror(errno));
        this.call = call;
        this.errno = errno;
    }

    /** The failed call, as given (e.g. {@code "ioctl(UFFDIO_API)"}). */
    public String call() {
        return call;
    }

    /** The error number (compare with {@code io.jmultifd.linux.ffi.linux_h.ENOENT()} and the like). */
    public int errno() {
        return errno;
    }
}
