package io.jmultifd.spi;

import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/** Finds methods by name through {@link ServiceLoader}; the engine never names a method class. */
public final class CompressionMethods {
    private CompressionMethods() {}

    /** Every method on the class path (or module path), sorted by name. A duplicate name is an error. */
    public static List<CompressionMethod> all() {
        return List.copyOf(byName(CompressionMethods.class.getClassLoader()).values());
    }

    /** The method called {@code name}; an unknown name is an error that lists the available ones. */
    public static CompressionMethod find(String name) {
        Map<String, CompressionMethod> methods = byName(CompressionMethods.class.getClassLoader());
        CompressionMethod m = methods.get(name);
        if (m == null) {
            throw new IllegalArgumentException("multifd-compression=" + name + ": unknown method; available: "
                    + String.join(", ", methods.keySet()));
        }
        return m;
    }

    private static Map<String, CompressionMethod> byName(ClassLoader loader) {
        Map<String, CompressionMethod> methods = new TreeMap<>();
        for (CompressionMethod m : ServiceLoader.load(CompressionMethod.class, loader)) {
            CompressionMethod previous = methods.putIfAbsent(m.name(), m);
            if (previous != null && previous.getClass() != m.getClass()) {
                throw new IllegalStateException("two methods are called " + m.name() + ": "
                        + previous.getClass().getName() + " and " + m.getClass().getName());
            }
        }
        return methods;
    }
}
