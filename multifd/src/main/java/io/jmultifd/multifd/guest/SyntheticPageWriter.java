package io.jmultifd.multifd.guest;

import io.jmultifd.multifd.guest.SyntheticContent.PageKind;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Writes the pages of {@link SyntheticContent}: builds one page at a time in a heap buffer, then copies it into
 * guest memory in one bulk copy.
 */
final class SyntheticPageWriter {
    private static final ValueLayout.OfLong LONG_LE = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED;

    private static final byte[][] WORDS = words(
            "the", "of", "and", "to", "in", "a", "is", "that", "for", "it", "as", "was", "with", "be", "by",
            "on", "not", "he", "this", "are", "or", "his", "from", "at", "which", "but", "have", "an", "had",
            "they", "you", "were", "their", "one", "all", "we", "can", "her", "has", "there", "been", "if",
            "more", "when", "will", "would", "who", "so", "no", "memory", "page", "guest", "migration",
            "channel", "thread", "buffer", "request", "response", "server", "client", "error", "warning",
            "info", "debug", "connection", "timeout", "started", "stopped", "completed", "failed", "user",
            "session", "cache", "disk", "network", "kernel", "process", "service", "config", "value", "key",
            "file", "directory", "version", "update", "system", "device", "queue", "worker", "task", "job",
            "status", "time", "data", "record", "index", "table", "query", "result", "packet", "block");
    private static final byte[][] LEVELS = words("INFO ", "DEBUG", "WARN ", "ERROR");

    private final int pageSize;
    private final byte[] bytes;
    private final MemorySegment heap;

    SyntheticPageWriter(int pageSize) {
        this.pageSize = pageSize;
        this.bytes = new byte[pageSize];
        this.heap = MemorySegment.ofArray(bytes);
    }

    void write(MemorySegment target, PageKind kind, SplittableRandom random) {
        switch (kind) {
            case ZERO -> {
                target.fill((byte) 0); // a mapped file may hold old data; anonymous memory is zero already
                return;
            }
            case TEXT -> text(random);
            case BINARY -> binary(random);
            case RANDOM -> randomBytes(random);
            case REPEAT -> repeat(random);
        }
        MemorySegment.copy(heap, 0, target, 0, pageSize);
    }

    /** Log-like lines of ASCII words with a few numbers, words drawn with a skew toward the common ones. */
    private void text(SplittableRandom random) {
        int at = 0;
        while (at < pageSize) {
            if (random.nextInt(4) == 0) {
                at = put(at, digits(1000 + random.nextInt(9000)));
                at = put(at, ' ');
                at = put(at, LEVELS[Math.min(3, Integer.numberOfTrailingZeros(random.nextInt() | 8))]);
                at = put(at, ' ');
            }
            int wordsInLine = 4 + random.nextInt(12);
            for (int w = 0; w < wordsInLine && at < pageSize; w++) {
                if (random.nextInt(10) == 0) {
                    at = put(at, digits(random.nextInt(100_000)));
                } else {
                    // min of two draws: lower indices (the common words) come up more often
                    int index = Math.min(random.nextInt(WORDS.length), random.nextInt(WORDS.length));
                    at = put(at, WORDS[index]);
                }
                at = put(at, w + 1 < wordsInLine ? ' ' : '\n');
            }
        }
    }

    /**
     * 32-byte little-endian records as a program keeps them: a sequence number, a small type, flags, a small
     * count, a pointer-like value into one heap region, and a short zero-padded name field.
     */
    private void binary(SplittableRandom random) {
        long sequence = random.nextInt(1 << 20);
        long heapBase = 0x00007f0000000000L | ((long) random.nextInt(1 << 16) << 24);
        for (int at = 0; at + 32 <= pageSize; at += 32) {
            heap.set(LONG_LE, at, sequence++);
            heap.set(SHORT_LE, at + 8, (short) random.nextInt(16));
            heap.set(SHORT_LE, at + 10, (short) (1 << random.nextInt(4)));
            heap.set(INT_LE, at + 12, random.nextInt(256));
            heap.set(LONG_LE, at + 16, heapBase + ((long) random.nextInt(1 << 16) << 4));
            heap.set(LONG_LE, at + 24, 0L);
            bytes[at + 24] = (byte) ('a' + random.nextInt(26));
            bytes[at + 25] = (byte) ('a' + random.nextInt(26));
            bytes[at + 26] = (byte) ('0' + random.nextInt(10));
        }
    }

    private void randomBytes(SplittableRandom random) {
        for (int at = 0; at < pageSize; at += 8) {
            heap.set(LONG_LE, at, random.nextLong());
        }
    }

    /** A pattern of 1 to 64 bytes (never all zero) repeated over the page, by doubling copies. */
    private void repeat(SplittableRandom random) {
        int length = 1 + random.nextInt(64);
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) random.nextInt(256);
        }
        bytes[0] |= 1;
        int filled = length;
        while (filled < pageSize) {
            int n = Math.min(filled, pageSize - filled);
            System.arraycopy(bytes, 0, bytes, filled, n);
            filled += n;
        }
    }

    private int put(int at, byte[] word) {
        int n = Math.min(word.length, pageSize - at);
        System.arraycopy(word, 0, bytes, at, n);
        return at + n;
    }

    private int put(int at, char c) {
        if (at < pageSize) {
            bytes[at++] = (byte) c;
        }
        return at;
    }

    private static byte[] digits(int value) {
        return Integer.toString(value).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[][] words(String... words) {
        byte[][] result = new byte[words.length][];
        for (int i = 0; i < words.length; i++) {
            result[i] = words[i].getBytes(StandardCharsets.US_ASCII);
        }
        return result;
    }
}
