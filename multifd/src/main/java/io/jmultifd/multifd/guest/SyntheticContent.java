package io.jmultifd.multifd.guest;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Synthetic guest memory for {@code --synthetic SIZE:MIX}: pages of a few kinds whose compressibility resembles
 * what a real guest holds (zero pages, text, structured binary records, incompressible data, short repeated
 * patterns), reproducible byte for byte from a seed.
 *
 * <p>Each page's kind comes from a seeded shuffle of the exact per-kind page counts, so the mix is honoured
 * exactly (up to rounding of one page per kind) and the kinds are spread over the block. Each page's bytes
 * depend only on (seed, page index, kind), which lets {@link #fill} work on several threads and still give the
 * same bytes.
 */
public final class SyntheticContent {
    /** The seed used when the user gives none; any fixed value works, this one spells "jmultifd". */
    public static final long DEFAULT_SEED = 0x6a6d756c7469666dL;

    private SyntheticContent() {}

    /** The kinds of page, in the order the mix syntax lists them. */
    public enum PageKind {
        ZERO, TEXT, BINARY, RANDOM, REPEAT;

        /** The lower-case name used in a MIX, e.g. {@code text}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        static PageKind ofLabel(String label, String mix) {
            for (PageKind k : values()) {
                if (k.label().equals(label)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("unknown page kind '" + label + "' in '" + mix + "' (kinds: "
                    + String.join(", ", Arrays.stream(values()).map(PageKind::label).toList()) + ")");
        }
    }

    /**
     * Percentages of pages per kind, summing to 100.
     *
     * @param percent every kind, each in [0, 100]
     */
    public record Mix(Map<PageKind, Integer> percent) {
        /**
         * The default {@code mixed}: 10% zero, 30% text, 25% binary, 15% random, 20% repeat. About a tenth of
         * the pages are zero, as in an idle but booted guest; the rest compress well on average (text, records,
         * patterns) while the random pages make sure a method must cope with pages that do not shrink.
         */
        public static final Mix MIXED = new Mix(Map.of(
                PageKind.ZERO, 10, PageKind.TEXT, 30, PageKind.BINARY, 25, PageKind.RANDOM, 15, PageKind.REPEAT, 20));

        public Mix {
            EnumMap<PageKind, Integer> copy = new EnumMap<>(PageKind.class);
            for (PageKind k : PageKind.values()) {
                copy.put(k, percent.getOrDefault(k, 0));
            }
            int sum = 0;
            for (var e : copy.entrySet()) {
                if (e.getValue() < 0 || e.getValue() > 100) {
                    throw new IllegalArgumentException(e.getKey().label() + "=" + e.getValue()
                            + ": a percentage must be between 0 and 100");
                }
                sum += e.getValue();
            }
            if (sum != 100) {
                throw new IllegalArgumentException("percentages sum to " + sum + ", they must sum to 100");
            }
            percent = Collections.unmodifiableMap(copy);
        }

        /**
         * Parses {@code mixed} or a list such as {@code zero=10,text=30,binary=20,random=20,repeat=20}; kinds not
         * listed get 0%.
         */
        public static Mix parse(String text) {
            if (text.equals("mixed")) {
                return MIXED;
            }
            if (text.isBlank()) {
                throw new IllegalArgumentException("empty mix (use 'mixed' or e.g. zero=10,text=30,binary=20,random=20,repeat=20)");
            }
            EnumMap<PageKind, Integer> percent = new EnumMap<>(PageKind.class);
            for (String part : text.split(",", -1)) {
                int eq = part.indexOf('=');
                if (eq < 0) {
                    throw new IllegalArgumentException("bad mix '" + text + "': '" + part
                            + "' is not KIND=PERCENT (use 'mixed' or e.g. zero=10,text=30,binary=20,random=20,repeat=20)");
                }
                String label = part.substring(0, eq).trim();
                String value = part.substring(eq + 1).trim();
                PageKind kind = PageKind.ofLabel(label, text);
                int p;
                try {
                    p = Integer.parseInt(value);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("bad percentage '" + value + "' for " + label + " in '" + text
                            + "' (an integer 0..100)");
                }
                if (percent.putIfAbsent(kind, p) != null) {
                    throw new IllegalArgumentException(label + " is given twice in '" + text + "'");
                }
            }
            return new Mix(percent);
        }

        /** The kinds with their percentages, e.g. {@code zero=10,text=30,...}. */
        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            percent.forEach((k, v) -> sb.append(sb.isEmpty() ? "" : ",").append(k.label()).append('=').append(v));
            return sb.toString();
        }
    }

    /**
     * A parsed {@code SIZE:MIX[,free=PERCENT]}.
     *
     * @param freePercent the share of the guest's memory that is free (a {@link FreeList}); 0 = none
     */
    public record Spec(long size, Mix mix, int freePercent) {
        public Spec {
            if (size <= 0) {
                throw new IllegalArgumentException("size must be positive, got " + size);
            }
            if (freePercent < 0 || freePercent > 100) {
                throw new IllegalArgumentException("free=" + freePercent + ": a percentage must be between 0 and 100");
            }
        }

        public Spec(long size, Mix mix) {
            this(size, mix, 0);
        }

        /**
         * Parses {@code SIZE:MIX[,free=PERCENT]}, e.g. {@code 1G:mixed} or {@code 1G:mixed,free=75}; messages name
         * the part that is wrong.
         */
        public static Spec parse(String text) {
            int colon = text.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("expected SIZE:MIX, e.g. 1G:mixed or 512M:zero=10,text=90");
            }
            String sizeText = text.substring(0, colon);
            long size = Sizes.parse(sizeText);
            if (size == 0) {
                throw new IllegalArgumentException("bad size '" + sizeText + "': must be more than 0");
            }
            String mix = text.substring(colon + 1);
            int free = 0;
            int at = mix.lastIndexOf(",free=");
            if (at >= 0) {
                String value = mix.substring(at + ",free=".length()).trim();
                try {
                    free = Integer.parseInt(value);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("bad percentage '" + value + "' for free in '" + text
                            + "' (an integer 0..100)");
                }
                if (free < 0 || free > 100) {
                    throw new IllegalArgumentException("free=" + value + ": a percentage must be between 0 and 100");
                }
                mix = mix.substring(0, at);
            }
            return new Spec(size, Mix.parse(mix), free);
        }

        /** Checks that the size is a whole number of pages. */
        public void requirePageMultiple(int pageSize) {
            if (size % pageSize != 0) {
                throw new IllegalArgumentException("size " + size + " is not a multiple of the page size " + pageSize);
            }
        }
    }

    /**
     * The kind of every page: exact per-kind counts (largest remainder rounding), in an order shuffled with
     * {@code seed}.
     */
    public static PageKind[] pageKinds(long pageCount, Mix mix, long seed) {
        if (pageCount < 0 || pageCount > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("page count " + pageCount + " out of range");
        }
        int n = (int) pageCount;
        PageKind[] kinds = PageKind.values();
        long[] counts = new long[kinds.length];
        long[] remainders = new long[kinds.length];
        long assigned = 0;
        for (int i = 0; i < kinds.length; i++) {
            long exact = (long) n * mix.percent().get(kinds[i]);
            counts[i] = exact / 100;
            remainders[i] = exact % 100;
            assigned += counts[i];
        }
        // Largest remainder first; ties go to the earlier kind, which keeps the result deterministic.
        while (assigned < n) {
            int best = 0;
            for (int i = 1; i < kinds.length; i++) {
                if (remainders[i] > remainders[best]) {
                    best = i;
                }
            }
            counts[best]++;
            remainders[best] = -1;
            assigned++;
        }
        PageKind[] result = new PageKind[n];
        int at = 0;
        for (int i = 0; i < kinds.length; i++) {
            Arrays.fill(result, at, at + (int) counts[i], kinds[i]);
            at += (int) counts[i];
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) { // Fisher-Yates
            int j = random.nextInt(i + 1);
            PageKind tmp = result[i];
            result[i] = result[j];
            result[j] = tmp;
        }
        return result;
    }

    /**
     * Fills {@code memory} (a whole number of pages) with the mix, reproducibly from {@code seed}.
     *
     * @return the number of pages of each kind written
     */
    public static Map<PageKind, Long> fill(MemorySegment memory, int pageSize, Mix mix, long seed) {
        if (pageSize <= 0 || Integer.bitCount(pageSize) != 1 || pageSize < 64) {
            throw new IllegalArgumentException("page size must be a power of two >= 64, got " + pageSize);
        }
        if (memory.byteSize() % pageSize != 0) {
            throw new IllegalArgumentException("memory size " + memory.byteSize() + " is not a multiple of the page size "
                    + pageSize);
        }
        PageKind[] kinds = pageKinds(memory.byteSize() / pageSize, mix, seed);
        final int pagesPerChunk = 1024;
        int chunks = (kinds.length + pagesPerChunk - 1) / pagesPerChunk;
        IntStream chunkStream = IntStream.range(0, chunks);
        // Several threads when the segment allows it (shared, global, auto arenas); a confined one stays on ours.
        if (memory.isAccessibleBy(Thread.ofPlatform().unstarted(() -> {}))) {
            chunkStream = chunkStream.parallel();
        }
        chunkStream.forEach(chunk -> {
            SyntheticPageWriter writer = new SyntheticPageWriter(pageSize);
            int end = Math.min(kinds.length, (chunk + 1) * pagesPerChunk);
            for (int page = chunk * pagesPerChunk; page < end; page++) {
                MemorySegment target = memory.asSlice((long) page * pageSize, pageSize);
                writer.write(target, kinds[page], new SplittableRandom(pageSeed(seed, page)));
            }
        });
        EnumMap<PageKind, Long> counts = new EnumMap<>(PageKind.class);
        for (PageKind k : PageKind.values()) {
            counts.put(k, 0L);
        }
        for (PageKind k : kinds) {
            counts.merge(k, 1L, Long::sum);
        }
        return counts;
    }

    /** A well-mixed seed per page (SplittableRandom's own finaliser), so neighbouring pages are unrelated. */
    private static long pageSeed(long seed, long page) {
        long z = seed + (page + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
