package io.jmultifd.bench;

import io.jmultifd.multifd.guest.SyntheticContent;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * Guest images holding the engine's {@code --synthetic SIZE:MIX} content ({@link SyntheticContent} with its
 * default seed), so the micro-benchmarks also run on exactly what {@code jmultifd migrate --synthetic}
 * migrates.
 */
final class SyntheticImages {
    private SyntheticImages() {}

    /** Throws SyntheticContent's IllegalArgumentException (naming what is wrong) when {@code mix} is not a mix. */
    static SyntheticContent.Mix parseMix(String mix) {
        return SyntheticContent.Mix.parse(mix);
    }

    /**
     * Writes {@code size} bytes of synthetic content of {@code mix} (e.g. {@code mixed} or
     * {@code zero=10,text=30,binary=20,random=20,repeat=20}) with the CLI's default seed.
     *
     * @return pages written per kind
     */
    static Map<SyntheticContent.PageKind, Long> write(Path file, long size, String mix) throws IOException {
        if (size <= 0 || size % BenchPages.PAGE != 0) {
            throw new IllegalArgumentException("synthetic image size " + size + ": must be a positive multiple of "
                    + BenchPages.PAGE);
        }
        SyntheticContent.Mix parsed = parseMix(mix);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING); Arena arena = Arena.ofShared()) {
            MemorySegment mapped = ch.map(FileChannel.MapMode.READ_WRITE, 0, size, arena);
            Map<SyntheticContent.PageKind, Long> counts = SyntheticContent.fill(mapped, BenchPages.PAGE, parsed,
                    SyntheticContent.DEFAULT_SEED);
            mapped.force();
            return counts;
        }
    }
}
