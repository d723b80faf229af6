package io.jmultifd.multifd.tls;

import java.io.IOException;

/**
 * TLS could not protect a connection, in words for the operator: a credentials directory that is incomplete or
 * wrong, a handshake the peer or this side refused (certificate, CA, expiry, host name), a peer that did not speak
 * TLS. Nothing of the guest has moved when one is thrown.
 */
public class TlsException extends IOException {
    public TlsException(String message) {
        super(message);
    }

    public TlsException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * The destination refused a source after a complete handshake (its certificate is not in {@code tls-authz}):
     * the reason is told to the source inside TLS.
     */
    public static final class Refused extends TlsException {
        public Refused(String message) {
            super(message);
        }
    }
}
