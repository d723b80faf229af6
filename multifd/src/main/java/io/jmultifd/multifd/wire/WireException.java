package io.jmultifd.multifd.wire;

import java.io.IOException;

/** The peer sent something that breaks the wire rules; the message says what and where. */
public class WireException extends IOException {
    public WireException(String message) {
        super(message);
    }
}
