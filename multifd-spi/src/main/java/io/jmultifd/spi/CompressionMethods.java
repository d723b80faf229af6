package io.jmultifd.spi;

import java.util.List;

/**
 * The methods of this process by name ({@link MethodRegistry#installed()}, loaded once); the engine never names a
 * method class.
 */
public final class CompressionMethods {
    private CompressionMethods() {}

    /** Every method on the class path (or module path), sorted by name. A duplicate name is an error. */
    public static List<CompressionMethod> all() {
        return MethodRegistry.installed().methods();
    }

    /** The method called {@code name}; an unknown name is an error that lists the available ones. */
    public static CompressionMethod find(String name) {
        return MethodRegistry.installed().find(name);
    }
}
