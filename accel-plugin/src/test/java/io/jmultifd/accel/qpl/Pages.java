package io.jmultifd.accel.qpl;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Varied pages (reproducible) and buffers for the qpl method tests. */
final class Pages {
    static final int PAGE = 4096;

    private final Arena arena;
    private final SplittableRandom random;

    Pages(Arena arena, long seed) {
        this.arena = arena;
        this.random = new SplittableRandom(seed);
    }

    MemorySegment zero() {
        return arena.allocate(PAGE, 64);
    }

    MemorySegment nearZero() {
        MemorySegment p = zero();
        p.set(ValueLayout.JAVA_BYTE, random.nextInt(PAGE), (byte) (1 + random.nextInt(255)));
        return p;
    }

    MemorySegment text() {
        String[] words = {"page", "dirty", "channel", "migration", "guest", "the", "of", "round", "sync"};
        StringBuilder sb = new StringBuilder();
        while (sb.length() < PAGE) {
            sb.append(words[random.nextInt(words.length)]).append(' ');
        }
        MemorySegment p = zero();
        MemorySegment.copy(sb.toString().getBytes(StandardCharsets.US_ASCII), 0, p, ValueLayout.JAVA_BYTE, 0, PAGE);
        return p;
    }

    MemorySegment binary() {
        MemorySegment p = zero();
        for (int off = 0; off + 16 <= PAGE; off += 16) {
            p.set(ValueLayout.JAVA_INT_UNALIGNED, off, off / 16);
            p.set(ValueLayout.JAVA_INT_UNALIGNED, off + 4, random.nextInt(4));
            p.set(ValueLayout.JAVA_LONG_UNALIGNED, off + 8, 0x7f00_0000_0000L + random.nextInt(64) * 8L);
        }
        return p;
    }

    MemorySegment random() {
        MemorySegment p = zero();
        for (int off = 0; off < PAGE; off += 8) {
            p.set(ValueLayout.JAVA_LONG_UNALIGNED, off, random.nextLong());
        }
        return p;
    }

    MemorySegment pattern() {
        MemorySegment p = zero();
        int period = 1 + random.nextInt(37);
        for (int off = 0; off < PAGE; off++) {
            p.set(ValueLayout.JAVA_BYTE, off, (byte) (off % period * 7));
        }
        return p;
    }

    MemorySegment oneByteOff(MemorySegment page) {
        MemorySegment q = zero();
        q.copyFrom(page);
        int at = random.nextInt(PAGE);
        q.set(ValueLayout.JAVA_BYTE, at, (byte) ~page.get(ValueLayout.JAVA_BYTE, at));
        return q;
    }

    /** Every kind, including a text page and its one-byte twin. */
    List<MemorySegment> mixed() {
        MemorySegment text = text();
        return List.of(nearZero(), text, oneByteOff(text), binary(), random(), pattern(), zero(), random());
    }

    List<MemorySegment> slots(int n) {
        List<MemorySegment> s = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            s.add(arena.allocate(PAGE - 1, 64));
        }
        return s;
    }

    List<MemorySegment> targets(int n) {
        List<MemorySegment> t = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            t.add(arena.allocate(PAGE, 64));
        }
        return t;
    }

    /** All {@code out} segments concatenated, as the wire delivers a payload. */
    MemorySegment concat(List<MemorySegment> out) {
        long size = 0;
        for (MemorySegment s : out) {
            size += s.byteSize();
        }
        MemorySegment payload = arena.allocate(Math.max(1, size), 64).asSlice(0, size);
        long at = 0;
        for (MemorySegment s : out) {
            MemorySegment.copy(s, 0, payload, at, s.byteSize());
            at += s.byteSize();
        }
        return payload;
    }
}
