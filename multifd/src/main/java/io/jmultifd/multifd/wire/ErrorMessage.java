package io.jmultifd.multifd.wire;

/** Either way, after the handshake: why the sender stops (cut to {@link Wire#MAX_STRING} bytes). */
public record ErrorMessage(String message) implements SourceMessage, DestinationMessage {
    @Override
    public void encode(MessageWriter w) {
        w.u8(Wire.MSG_ERROR).str(message);
    }
}
