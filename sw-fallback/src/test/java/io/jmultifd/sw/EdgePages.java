package io.jmultifd.sw;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Pages of any size at the edges of a per-page DEFLATE encoder (runs, repeats exactly at or just beyond a 4 KiB
 * window, copies that reach the page's end) and fuzz pages mixed from random pieces, all reproducible from a seed.
 */
public final class EdgePages {
    private final Arena arena;
    private final int pageSize;
    private final SplittableRandom random;

    public EdgePages(Arena arena, int pageSize, long seed) {
        this.arena = arena;
        this.pageSize = pageSize;
        this.random = new SplittableRandom(seed);
    }

    /** Every byte {@code value}: one literal, then matches of the longest length up to the page's end. */
    public MemorySegment run(byte value) {
        MemorySegment p = arena.allocate(pageSize, 64);
        p.fill(value);
        return p;
    }

    /** {@code period} random bytes, repeated to the end of the page: every repeat is {@code period} bytes back. */
    public MemorySegment repeating(int period) {
        byte[] unit = new byte[period];
        random.nextBytes(unit);
        byte[] b = new byte[pageSize];
        for (int i = 0; i < pageSize; i++) {
            b[i] = unit[i % period];
        }
        return segment(b);
    }

    /** Text whose last quarter repeats bytes of its first half: a copy that ends exactly at the page's end. */
    public MemorySegment textEndingInCopy() {
        byte[] b = text();
        int tail = pageSize / 4;
        int from = random.nextInt(pageSize / 2 - tail + 1);
        System.arraycopy(b, from, b, pageSize - tail, tail);
        return segment(b);
    }

    /** Random pieces of up to 300 bytes: random bytes, runs, copies from up to 5000 bytes back, a 4-letter alphabet. */
    public MemorySegment fuzz() {
        byte[] b = new byte[pageSize];
        int pos = 0;
        while (pos < pageSize) {
            int n = Math.min(1 + random.nextInt(300), pageSize - pos);
            switch (random.nextInt(4)) {
                case 0 -> {
                    for (int i = 0; i < n; i++) {
                        b[pos + i] = (byte) random.nextInt(256);
                    }
                }
                case 1 -> Arrays.fill(b, pos, pos + n, (byte) random.nextInt(256));
                case 2 -> {
                    int distance = pos == 0 ? 0 : 1 + random.nextInt(Math.min(pos, 5000));
                    for (int i = 0; i < n; i++) {
                        b[pos + i] = distance == 0 ? 0 : b[pos + i - distance];
                    }
                }
                default -> {
                    for (int i = 0; i < n; i++) {
                        b[pos + i] = (byte) ('a' + random.nextInt(4));
                    }
                }
            }
            pos += n;
        }
        return segment(b);
    }

    private byte[] text() {
        String[] words = {"page", "dirty", "channel", "migration", "guest", "the", "of", "round", "sync", "window"};
        StringBuilder sb = new StringBuilder(pageSize + 16);
        while (sb.length() < pageSize) {
            sb.append(words[random.nextInt(words.length)]).append(random.nextInt(9) == 0 ? ".\n" : " ");
        }
        return Arrays.copyOf(sb.toString().getBytes(StandardCharsets.US_ASCII), pageSize);
    }

    private MemorySegment segment(byte[] b) {
        MemorySegment p = arena.allocate(pageSize, 64);
        MemorySegment.copy(b, 0, p, ValueLayout.JAVA_BYTE, 0, pageSize);
        return p;
    }
}
