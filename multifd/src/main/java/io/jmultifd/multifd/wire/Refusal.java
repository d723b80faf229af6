package io.jmultifd.multifd.wire;

/**
 * A handshake that breaks a rule the destination answers with REFUSE: the message is the reason sent back.
 * Other {@link WireException}s while reading the handshake (a string over its limit, bad UTF-8) end the
 * connection without an answer.
 */
public final class Refusal extends WireException {
    public Refusal(String message) {
        super(message);
    }
}
