package io.jmultifd.spi;

import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * A set of compression methods: each found by its name, and each method parameter by the one method that declares
 * it (a method's parameters are its own namespace). The methods of this process ({@link #installed()}) are found
 * with {@link ServiceLoader} once, on first use; every lookup and every channel after that uses the same method
 * objects.
 */
public final class MethodRegistry {
    private final Map<String, CompressionMethod> byName;
    private final Map<String, CompressionMethod> byParameter;
    private final Map<String, String> parameterDefaults;

    private MethodRegistry(Map<String, CompressionMethod> byName, Map<String, CompressionMethod> byParameter,
                           Map<String, String> parameterDefaults) {
        this.byName = Collections.unmodifiableMap(byName);
        this.byParameter = Collections.unmodifiableMap(byParameter);
        this.parameterDefaults = Collections.unmodifiableMap(parameterDefaults);
    }

    /**
     * The methods on this process's class path (or module path), loaded once.
     *
     * @throws IllegalStateException when they cannot be: two methods with one name, two methods declaring one
     *         parameter, or a provider that fails to load (the message names them); the same each time asked
     */
    public static MethodRegistry installed() {
        if (Installed.FAILURE != null) {
            throw new IllegalStateException(Installed.FAILURE.getMessage(), Installed.FAILURE);
        }
        return Installed.REGISTRY;
    }

    private static final class Installed {
        static final MethodRegistry REGISTRY;
        static final RuntimeException FAILURE;

        static {
            MethodRegistry registry = null;
            RuntimeException failure = null;
            try {
                registry = of(ServiceLoader.load(CompressionMethod.class, MethodRegistry.class.getClassLoader()));
            } catch (IllegalStateException e) {
                failure = e;
            } catch (ServiceConfigurationError | RuntimeException e) {
                failure = new IllegalStateException("the compression methods cannot be loaded: " + e.getMessage(), e);
            }
            REGISTRY = registry;
            FAILURE = failure;
        }
    }

    /**
     * A registry of exactly these methods.
     *
     * @throws IllegalStateException when two methods have the same name, or two methods declare the same parameter;
     *         the message names both
     */
    public static MethodRegistry of(Iterable<? extends CompressionMethod> methods) {
        Map<String, CompressionMethod> byName = new TreeMap<>();
        Map<String, CompressionMethod> byParameter = new TreeMap<>();
        Map<String, String> defaults = new TreeMap<>();
        for (CompressionMethod m : methods) {
            CompressionMethod previous = byName.putIfAbsent(m.name(), m);
            if (previous != null) {
                if (previous == m) {
                    continue; // the same object listed twice
                }
                throw new IllegalStateException("two methods are called " + m.name() + ": "
                        + previous.getClass().getName() + " and " + m.getClass().getName());
            }
            m.parameterDefaults().forEach((parameter, value) -> {
                CompressionMethod owner = byParameter.putIfAbsent(parameter, m);
                if (owner != null) {
                    throw new IllegalStateException("parameter " + parameter + " is declared by two methods, "
                            + describe(owner) + " and " + describe(m) + "; each method's parameters need names "
                            + "of their own");
                }
                defaults.put(parameter, value);
            });
        }
        return new MethodRegistry(byName, byParameter, defaults);
    }

    private static String describe(CompressionMethod m) {
        return m.name() + " (" + m.getClass().getName() + ")";
    }

    /** Every method, sorted by name. */
    public List<CompressionMethod> methods() {
        return List.copyOf(byName.values());
    }

    /** The method called {@code name}; an unknown name is an error that lists the available ones. */
    public CompressionMethod find(String name) {
        CompressionMethod m = byName.get(name);
        if (m == null) {
            throw new IllegalArgumentException("multifd-compression=" + name + ": unknown method; available: "
                    + String.join(", ", byName.keySet()));
        }
        return m;
    }

    /** The method that declares {@code parameter}, if one does. */
    public Optional<CompressionMethod> declaring(String parameter) {
        return Optional.ofNullable(byParameter.get(parameter));
    }

    /** Every parameter some method declares, with its default, sorted by name. */
    public Map<String, String> parameterDefaults() {
        return parameterDefaults;
    }

    /**
     * Refuses names that belong to {@code owner} (e.g. the engine's own parameters) when a method declares one too.
     *
     * @throws IllegalStateException naming the parameter, the method and {@code owner}
     */
    public void requireUndeclared(Collection<String> names, String owner) {
        for (String name : names) {
            CompressionMethod m = byParameter.get(name);
            if (m != null) {
                throw new IllegalStateException("parameter " + name + " is declared by method " + describe(m)
                        + " but belongs to " + owner + "; a method's parameters need names of their own");
            }
        }
    }
}
