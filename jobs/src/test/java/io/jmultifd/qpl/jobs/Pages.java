package io.jmultifd.qpl.jobs;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Varied pages (reproducible) and buffers for the tests of this module and of accel-plugin (which uses this
 * module's test jar), so that both test the same kinds of page.
 */
public final class Pages {
    public static final int PAGE = 4096;

    private final Arena arena;
    private final SplittableRandom random;

    public Pages(Arena arena, long seed) {
        this.arena = arena;
        this.random = new SplittableRandom(seed);
    }

    public MemorySegment zero() {
        return arena.allocate(PAGE, 64);
    }

    public MemorySegment nearZero() {
        MemorySegment p = zero();
        p.set(ValueLayout.JAVA_BYTE, random.nextInt(PAGE), (byte) (1 + random.nextInt(255)));
        return p;
    }

    public MemorySegment text() {
        String[] words = {"page", "dirty", "channel", "migration", "guest", "the", "of", "round", "sync"};
        StringBuilder sb = new StringBuilder();
        while (sb.length() < PAGE) {
            sb.append(words[random.nextInt(words.length)]).append(' ');
        }
        MemorySegment p = zero();
        MemorySegment.copy(sb.toString().getBytes(StandardCharsets.US_ASCII), 0, p, ValueLayout.JAVA_BYTE, 0, PAGE);
        return p;
    }

    public MemorySegment binary() {
        MemorySegment p = zero();
        for (int off = 0; off + 16 <= PAGE; off += 16) {
            p.set(ValueLayout.JAVA_INT_UNALIGNED, off, off / 16);
            p.set(ValueLayout.JAVA_INT_UNALIGNED, off + 4, random.nextInt(4));
            p.set(ValueLayout.JAVA_LONG_UNALIGNED, off + 8, 0x7f00_0000_0000L + random.nextInt(64) * 8L);
        }
        return p;
    }

    public MemorySegment random() {
        MemorySegment p = zero();
        for (int off = 0; off < PAGE; off += 8) {
            p.set(ValueLayout.JAVA_LONG_UNALIGNED, off, random.nextLong());
        }
        return p;
    }

    public MemorySegment pattern() {
        MemorySegment p = zero();
        int period = 1 + random.nextInt(37);
        for (int off = 0; off < PAGE; off++) {
            p.set(ValueLayout.JAVA_BYTE, off, (byte) (off % period * 7));
        }
        return p;
    }

    public MemorySegment oneByteOff(MemorySegment page) {
        MemorySegment q = zero();
        q.copyFrom(page);
        int at = random.nextInt(PAGE);
        q.set(ValueLayout.JAVA_BYTE, at, (byte) ~page.get(ValueLayout.JAVA_BYTE, at));
        return q;
    }

    /** Every kind, including a text page and its one-byte twin. */
    public List<MemorySegment> mixed() {
        MemorySegment text = text();
        return List.of(nearZero(), text, oneByteOff(text), binary(), random(), pattern(), zero(), random());
    }

    public List<MemorySegment> slots(int n) {
        List<MemorySegment> s = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            s.add(arena.allocate(PAGE - 1, 64));
        }
        return s;
    }

    public List<MemorySegment> targets(int n) {
        List<MemorySegment> t = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            t.add(arena.allocate(PAGE, 64));
        }
        return t;
    }

    /** The compressed pages' streams (slots trimmed to their lengths), and the indexes they belong to. */
    public static List<MemorySegment> streams(List<MemorySegment> slots, int[] lengths, List<Integer> indexes) {
        List<MemorySegment> streams = new ArrayList<>();
        for (int i = 0; i < slots.size(); i++) {
            if (lengths[i] != PAGE) {
                streams.add(slots.get(i).asSlice(0, lengths[i]));
                indexes.add(i);
            }
        }
        return streams;
    }
}
