package io.jmultifd.bench;

import java.lang.foreign.MemorySegment;
import java.util.Map;

/**
 * Stands in for the CLI's SyntheticContent (same shape: nested Mix with parse, static fill, DEFAULT_SEED), so
 * SyntheticImages' writing path is tested in a build without the CLI. Mix "fill=N" fills every byte with N.
 */
public final class FakeSyntheticContent {
    public static final long DEFAULT_SEED = 7;

    private FakeSyntheticContent() {}

    public record Mix(int value) {
        public static Mix parse(String text) {
            if (!text.startsWith("fill=")) throw new IllegalArgumentException("bad mix '" + text + "'");
            return new Mix(Integer.parseInt(text.substring(5)));
        }
    }

    public static Map<String, Long> fill(MemorySegment memory, int pageSize, Mix mix, long seed) {
        memory.fill((byte) (mix.value() + seed));
        return Map.of("filled", memory.byteSize() / pageSize);
    }
}
