package io.jmultifd.spi.contract;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Varied guest pages for codec tests, reproducible from a seed. */
public final class TestPages {
    public enum Kind { ONE_BYTE, TEXT, BINARY, RANDOM, PATTERN, PAIR }

    private static final String[] WORDS = {"migration", "page", "dirty", "channel", "packet", "deflate", "the",
            "of", "guest", "memory", "round", "sync", "zero", "huffman", "literal", "window", "stream", "ram"};

    private final Arena arena;
    private final int pageSize;
    private final SplittableRandom random;

    public TestPages(Arena arena, int pageSize, long seed) {
        this.arena = arena;
        this.pageSize = pageSize;
        this.random = new SplittableRandom(seed);
    }

    public MemorySegment page(Kind kind) {
        MemorySegment p = arena.allocate(pageSize, 64);
        fill(p, kind);
        return p;
    }

    /** Fills an existing page-sized segment. {@code PAIR} gives a pattern page; see {@link #pairOf}. */
    public void fill(MemorySegment p, Kind kind) {
        switch (kind) {
            case ONE_BYTE -> {
                p.fill((byte) 0);
                p.set(ValueLayout.JAVA_BYTE, random.nextInt(pageSize), (byte) (1 + random.nextInt(255)));
            }
            case TEXT -> {
                StringBuilder sb = new StringBuilder(pageSize + 16);
                while (sb.length() < pageSize) {
                    sb.append(WORDS[random.nextInt(WORDS.length)]).append(random.nextInt(8) == 0 ? ".\n" : " ");
                }
                MemorySegment.copy(sb.toString().getBytes(StandardCharsets.US_ASCII), 0, p, ValueLayout.JAVA_BYTE,
                        0, pageSize);
            }
            case BINARY -> {
                // Records of small structured ints: a counter, a flag word, a pointer-like value.
                long base = 0x7f00_0000_0000L + random.nextInt(1 << 20) * 4096L;
                for (int off = 0; off + 16 <= pageSize; off += 16) {
                    p.set(ValueLayout.JAVA_INT_UNALIGNED, off, off / 16);
                    p.set(ValueLayout.JAVA_INT_UNALIGNED, off + 4, random.nextInt(4));
                    p.set(ValueLayout.JAVA_LONG_UNALIGNED, off + 8, base + random.nextInt(64) * 8L);
                }
            }
            case RANDOM -> {
                for (int off = 0; off < pageSize; off += 8) {
                    p.set(ValueLayout.JAVA_LONG_UNALIGNED, off, random.nextLong());
                }
            }
            case PATTERN, PAIR -> {
                int period = 1 + random.nextInt(37);
                byte[] unit = new byte[period];
                for (int i = 0; i < period; i++) {
                    unit[i] = (byte) random.nextInt(256);
                }
                for (int off = 0; off < pageSize; off++) {
                    p.set(ValueLayout.JAVA_BYTE, off, unit[off % period]);
                }
            }
        }
    }

    /** A copy of {@code page} that differs in exactly one byte. */
    public MemorySegment pairOf(MemorySegment page) {
        MemorySegment q = arena.allocate(pageSize, 64);
        q.copyFrom(page);
        long at = random.nextInt(pageSize);
        q.set(ValueLayout.JAVA_BYTE, at, (byte) ~page.get(ValueLayout.JAVA_BYTE, at));
        return q;
    }

    /** {@code n} pages cycling through every kind, pairs included (a PAIR kind adds the page and its twin). */
    public List<MemorySegment> mixed(int n) {
        List<MemorySegment> pages = new ArrayList<>(n);
        Kind[] kinds = Kind.values();
        int k = random.nextInt(kinds.length);
        while (pages.size() < n) {
            Kind kind = kinds[k++ % kinds.length];
            MemorySegment p = page(kind);
            pages.add(p);
            if (kind == Kind.PAIR && pages.size() < n) {
                pages.add(pairOf(p));
            }
        }
        return pages;
    }

    /** Fresh zeroed destination pages. */
    public List<MemorySegment> targets(int n) {
        List<MemorySegment> t = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            t.add(arena.allocate(pageSize, 64));
        }
        return t;
    }

    /** All {@code out} segments concatenated into one payload segment, as the wire would deliver it. */
    public MemorySegment concat(List<MemorySegment> out) {
        long size = 0;
        for (MemorySegment s : out) {
            size += s.byteSize();
        }
        MemorySegment payload = arena.allocate(Math.max(size, 1)).asSlice(0, size);
        long off = 0;
        for (MemorySegment s : out) {
            MemorySegment.copy(s, 0, payload, off, s.byteSize());
            off += s.byteSize();
        }
        return payload;
    }

    public static void assertSamePages(List<MemorySegment> expected, List<MemorySegment> actual) {
        org.junit.jupiter.api.Assertions.assertEquals(expected.size(), actual.size(), "page count");
        for (int i = 0; i < expected.size(); i++) {
            long mismatch = expected.get(i).mismatch(actual.get(i));
            org.junit.jupiter.api.Assertions.assertEquals(-1L, mismatch,
                    "page " + i + " differs at byte " + mismatch);
        }
    }
}
