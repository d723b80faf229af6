package io.jmultifd.multifd.postcopy;

/** Runs of set bits in a page bitmap (bit {@code p} of word {@code p / 64}): the discarded ranges of postcopy. */
final class BitRuns {
    private BitRuns() {}

    /** What is done with each run; may throw the caller's checked exception. */
    @FunctionalInterface
    interface Run<E extends Exception> {
        void accept(long first, long count) throws E;
    }

    /** Calls {@code run} for each run of set bits among pages {@code 0 .. pages-1}, in order. */
    static <E extends Exception> void forEach(long[] bits, long pages, Run<E> run) throws E {
        long p = 0;
        while (p < pages) {
            if (!set(bits, p)) {
                p++;
                continue;
            }
            long first = p;
            while (p < pages && set(bits, p)) {
                p++;
            }
            run.accept(first, p - first);
        }
    }

    private static boolean set(long[] bits, long p) {
        return (bits[(int) (p >>> 6)] & (1L << (p & 63))) != 0;
    }
}
