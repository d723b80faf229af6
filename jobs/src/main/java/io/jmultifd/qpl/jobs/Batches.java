package io.jmultifd.qpl.jobs;

import java.lang.foreign.MemorySegment;
import java.util.List;

/** Argument checks shared by the executors: done before any job sees an address. */
final class Batches {
    private Batches() {}

    static void checkCompress(List<MemorySegment> pages, List<MemorySegment> slots, int[] lengths, int pageSize,
                              int maxPages) {
        int n = pages.size();
        if (slots.size() != n || lengths.length < n) {
            throw new IllegalArgumentException(n + " pages but " + slots.size() + " slots and " + lengths.length
                    + " lengths");
        }
        checkCount(n, maxPages);
        for (int i = 0; i < n; i++) {
            long size = pages.get(i).byteSize();
            if (size != pageSize) {
                throw new IllegalArgumentException("page " + i + " has " + size + " bytes, not the page size "
                        + pageSize);
            }
            if (slots.get(i).byteSize() < pageSize - 1) {
                throw new IllegalArgumentException("slot " + i + " has " + slots.get(i).byteSize()
                        + " bytes, needs " + (pageSize - 1));
            }
        }
    }

    static void checkDecompress(List<MemorySegment> streams, List<MemorySegment> pages, int pageSize,
                                int maxPages) {
        int n = streams.size();
        if (pages.size() != n) {
            throw new IllegalArgumentException(n + " streams but " + pages.size() + " pages");
        }
        checkCount(n, maxPages);
        for (int i = 0; i < n; i++) {
            long size = pages.get(i).byteSize();
            if (size != pageSize) {
                throw new IllegalArgumentException("page " + i + " has " + size + " bytes, not the page size "
                        + pageSize);
            }
            if (streams.get(i).byteSize() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("stream " + i + " has " + streams.get(i).byteSize()
                        + " bytes, more than a QPL job takes");
            }
        }
    }

    private static void checkCount(int n, int maxPages) {
        if (n > maxPages) {
            throw new IllegalArgumentException(n + " pages in one batch, more than the " + maxPages
                    + " this executor was made for");
        }
    }

    /** Pages of a compressed batch that go raw, for the batch's JFR event. */
    static int rawPages(int[] lengths, int n, int pageSize) {
        int raw = 0;
        for (int i = 0; i < n; i++) {
            if (lengths[i] == pageSize) {
                raw++;
            }
        }
        return raw;
    }

    /** Bytes a compressed batch puts out: its streams, and raw pages whole; for the batch's JFR event. */
    static long outputBytes(int[] lengths, int n) {
        long bytes = 0;
        for (int i = 0; i < n; i++) {
            bytes += lengths[i];
        }
        return bytes;
    }

    static void checkPageSize(int pageSize, int maxPages) {
        if (pageSize <= 1 || Integer.bitCount(pageSize) != 1) {
            throw new IllegalArgumentException("page size must be a power of two > 1, got " + pageSize);
        }
        if (maxPages <= 0) {
            throw new IllegalArgumentException("maxPages must be positive, got " + maxPages);
        }
    }
}
