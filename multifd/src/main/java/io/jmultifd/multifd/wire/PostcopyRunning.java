package io.jmultifd.multifd.wire;

/** Destination to source: the guest is registered with userfaultfd and runs here; the background stream may go. */
public record PostcopyRunning() implements DestinationMessage {
    @Override
    public void encode(MessageWriter w) {
        w.u8(Wire.MSG_POSTCOPY_RUNNING);
    }
}
