package io.jmultifd.spi;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** The migration parameters as strings (QEMU's names), with typed, range-checked getters. */
public final class MethodParameters {
    private final Map<String, String> values;

    public MethodParameters(Map<String, String> values) {
        this.values = Collections.unmodifiableMap(new TreeMap<>(values));
    }

    public static MethodParameters of(String... keyValues) {
        if (keyValues.length % 2 != 0) {
            throw new IllegalArgumentException("keys and values must come in pairs");
        }
        Map<String, String> m = new TreeMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put(keyValues[i], keyValues[i + 1]);
        }
        return new MethodParameters(m);
    }

    public Map<String, String> asMap() {
        return values;
    }

    public String get(String name, String defaultValue) {
        return values.getOrDefault(name, defaultValue);
    }

    /** An integer in [min, max]; a missing value gives the default; anything else is an error naming the value. */
    public int getInt(String name, int defaultValue, int min, int max) {
        String raw = values.get(name);
        if (raw == null) {
            return defaultValue;
        }
        int v;
        try {
            v = Integer.parseInt(raw.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + "=" + raw + ": not an integer");
        }
        if (v < min || v > max) {
            throw new IllegalArgumentException(name + "=" + raw + ": must be between " + min + " and " + max);
        }
        return v;
    }

    /** One of the allowed words (case-sensitive, like QEMU); anything else is an error listing them. */
    public String getChoice(String name, String defaultValue, Set<String> allowed) {
        String raw = values.getOrDefault(name, defaultValue);
        if (!allowed.contains(raw)) {
            throw new IllegalArgumentException(name + "=" + raw + ": must be one of " + new TreeSet<>(allowed));
        }
        return raw;
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
