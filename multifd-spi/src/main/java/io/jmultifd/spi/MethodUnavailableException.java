package io.jmultifd.spi;

/** A method, or a pinned tier of it, cannot run on this host; the message says why. */
public class MethodUnavailableException extends RuntimeException {
    public MethodUnavailableException(String message) {
        super(message);
    }

    public MethodUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
