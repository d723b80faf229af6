package io.jmultifd.multifd.wire;

/** Source to destination: the source paused the guest; the downtime starts. */
public record StopCopy() implements SourceMessage {
    @Override
    public void encode(MessageWriter w) {
        w.u8(Wire.MSG_STOP_COPY);
    }
}
