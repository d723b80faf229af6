package io.jmultifd.linux;

import java.io.IOException;

/** The dynamic linker refused a library; the message is its own reason, as {@code dlerror(3)} gave it. */
public final class DynamicLinkerException extends IOException {
    public DynamicLinkerException(String reason) {
        super(reason);
    }
}
