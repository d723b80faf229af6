package io.jmultifd.spi;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** TEST-ONLY provider "test-counting": counts how often it is instantiated. */
public final class CountingMethod extends RawCopyMethod {
    static final AtomicInteger INSTANCES = new AtomicInteger();

    public CountingMethod() {
        INSTANCES.incrementAndGet();
    }

    @Override public String name() { return "test-counting"; }
    @Override public Map<String, String> parameterDefaults() { return Map.of("test-counting-unused", "0"); }
}
