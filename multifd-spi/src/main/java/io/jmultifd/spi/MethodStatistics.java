package io.jmultifd.spi;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Named counters of a method, in a stable order; the engine sums them over channels. */
public record MethodStatistics(Map<String, Long> counters) {
    public static final MethodStatistics EMPTY = new MethodStatistics(Map.of());

    public MethodStatistics {
        counters = Collections.unmodifiableMap(new LinkedHashMap<>(counters));
    }

    /** The counter, or 0 when this method does not count it. */
    public long get(String name) {
        return counters.getOrDefault(name, 0L);
    }

    /** Key-wise sum, keeping the order of first appearance. */
    public MethodStatistics plus(MethodStatistics other) {
        Map<String, Long> sum = new LinkedHashMap<>(counters);
        other.counters.forEach((k, v) -> sum.merge(k, v, Long::sum));
        return new MethodStatistics(sum);
    }
}
