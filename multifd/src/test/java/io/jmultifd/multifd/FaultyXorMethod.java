package io.jmultifd.multifd;

import io.jmultifd.spi.MethodParameters;

import java.util.Map;

/** TEST-ONLY "test-faulty": test-xor whose sender flips one bit in packet {@code test-fault-packet} of each channel. */
public final class FaultyXorMethod extends XorMethod {
    public static final String NAME = "test-faulty";

    @Override public String name() { return NAME; }
    @Override public String description() { return "test only: test-xor that corrupts one packet"; }
    @Override public Map<String, String> parameterDefaults() { return Map.of(keyParameter(), "90", "test-fault-packet", "3"); }
    @Override protected String keyParameter() { return "test-faulty-key"; }

    @Override
    protected int faultPacket(MethodParameters p) {
        return p.getInt("test-fault-packet", 3, 0, Integer.MAX_VALUE);
    }
}
