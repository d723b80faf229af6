package io.jmultifd.bench;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * Guest images holding the engine's {@code --synthetic SIZE:MIX} content (the CLI's
 * {@code io.jmultifd.multifd.guest.SyntheticContent}), so the micro-benchmarks also run on the mixes users
 * migrate with {@code jmultifd migrate --synthetic}.
 *
 * <p>The generator is looked up by name because it ships with the CLI, which this module does not depend on
 * at compile time; where it is missing, {@link #available()} says why and the harness records the synthetic
 * part as skipped (not as a failure: it is no breakage of the harness).
 */
final class SyntheticImages {
    static final String GENERATOR = "io.jmultifd.multifd.guest.SyntheticContent";

    private final Method parseMix;
    private final Method fill;
    private final long seed;
    private final String unavailable;

    private SyntheticImages(Method parseMix, Method fill, long seed, String unavailable) {
        this.parseMix = parseMix;
        this.fill = fill;
        this.seed = seed;
        this.unavailable = unavailable;
    }

    static SyntheticImages find() {
        return find(GENERATOR);
    }

    /** {@code className} is a parameter so that a test can show what happens without the generator. */
    static SyntheticImages find(String className) {
        try {
            Class<?> content = Class.forName(className);
            Class<?> mix = Class.forName(className + "$Mix");
            Method parse = mix.getMethod("parse", String.class);
            Method fill = content.getMethod("fill", MemorySegment.class, int.class, mix, long.class);
            long seed = content.getField("DEFAULT_SEED").getLong(null);
            return new SyntheticImages(parse, fill, seed, null);
        } catch (ReflectiveOperationException e) {
            return new SyntheticImages(null, null, 0, "the synthetic-content generator " + className
                    + " is not in this build (it comes with the CLI): " + e);
        }
    }

    /** Null when synthetic images can be written, else why not. */
    String unavailable() {
        return unavailable;
    }

    boolean available() {
        return unavailable == null;
    }

    /** Throws the generator's IllegalArgumentException (naming what is wrong) when {@code mix} is not a mix. */
    void checkMix(String mix) {
        if (!available()) throw new IllegalStateException(unavailable);
        invoke(parseMix, null, mix);
    }

    /**
     * Writes {@code size} bytes of synthetic content of {@code mix} (e.g. {@code mixed} or
     * {@code zero=10,text=30,binary=20,random=20,repeat=20}) with the CLI's default seed, so the file holds
     * exactly what {@code jmultifd migrate --synthetic SIZE:MIX} migrates.
     *
     * @return pages written per kind
     */
    Map<?, ?> write(Path file, long size, String mix) throws IOException {
        if (!available()) throw new IllegalStateException(unavailable);
        if (size <= 0 || size % BenchPages.PAGE != 0) {
            throw new IllegalArgumentException("synthetic image size " + size + ": must be a positive multiple of "
                    + BenchPages.PAGE);
        }
        Object parsedMix = invoke(parseMix, null, mix);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING); Arena arena = Arena.ofShared()) {
            MemorySegment mapped = ch.map(FileChannel.MapMode.READ_WRITE, 0, size, arena);
            Map<?, ?> counts = (Map<?, ?>) invoke(fill, null, mapped, BenchPages.PAGE, parsedMix, seed);
            mapped.force();
            return counts;
        }
    }

    private static Object invoke(Method m, Object target, Object... args) {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            // The generator's own errors (a bad mix) are IllegalArgumentExceptions naming the problem.
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new IllegalStateException(m + " failed", e.getCause());
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(m + " is not accessible", e);
        }
    }
}
