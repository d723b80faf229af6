package io.jmultifd.multifd.guest;

import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bitmap protocol of {@link FreePages} under contention, without a network in between, so that the scanner
 * runs flat out and the windows between a thread's steps are hit often: a scanner thread does what the migration
 * scan does (fetch-and-clear a dirty word, then read the free word; free pages become zero, the others are
 * copied), into a model of the destination; guest threads hint and write a small block (4 bitmap words) through
 * a free list of chunks, as in {@code FreePageHintRaceTest}. After a last scan, every page of a chunk in use must
 * hold in the model what it holds in the guest: a written page is never skipped, whatever the interleaving.
 */
class FreePagesRaceTest {
    private static final int FREE = 0;
    private static final int USED = 1;
    private static final int REPORTING = 2;
    private static final int CHUNK_PAGES = 4;

    @Test
    void aScanNeverLosesAWriteThatFollowsAHint() throws Exception {
        int pageSize = 512;
        try (GuestMemory guest = GuestMemory.of(RamBlock.anonymous("b", 256L * pageSize, pageSize))) {
            RamBlock block = guest.blocks().getFirst();
            int pages = (int) block.pageCount();
            long[] model = new long[pages];
            AtomicIntegerArray state = new AtomicIntegerArray(pages / CHUNK_PAGES);
            AtomicLong versions = new AtomicLong();
            AtomicBoolean stop = new AtomicBoolean();
            List<Throwable> errors = new CopyOnWriteArrayList<>();
            guest.hints().open();
            Thread scanner = Thread.ofPlatform().start(() -> {
                while (!stop.get()) {
                    scan(block, model);
                }
            });
            List<Thread> guestThreads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                long seed = t;
                boolean balloon = t % 2 == 0;
                guestThreads.add(Thread.ofPlatform().start(() -> {
                    try {
                        SplittableRandom random = new SplittableRandom(seed);
                        for (int op = 0; op < 200_000; op++) {
                            int c = random.nextInt(state.length());
                            if (balloon) {
                                if (state.compareAndSet(c, FREE, REPORTING)) {
                                    assertTrue(guest.hints().hintFree(block, (long) c * CHUNK_PAGES * pageSize,
                                            (long) CHUNK_PAGES * pageSize));
                                    state.set(c, FREE);
                                }
                            } else if (random.nextBoolean()) {
                                if (state.compareAndSet(c, FREE, USED)) {
                                    for (int i = 0; i < CHUNK_PAGES; i++) {
                                        block.writeLong(((long) c * CHUNK_PAGES + i) * pageSize, versions.incrementAndGet());
                                    }
                                }
                            } else {
                                state.compareAndSet(c, USED, FREE);
                            }
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                }));
            }
            for (Thread t : guestThreads) {
                t.join();
            }
            stop.set(true);
            scanner.join();
            guest.hints().close();
            scan(block, model); // the last round
            assertTrue(errors.isEmpty(), errors.toString());
            int used = 0;
            for (int p = 0; p < pages; p++) {
                long actual = block.memory().get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN),
                        (long) p * pageSize);
                if (state.get(p / CHUNK_PAGES) == USED) {
                    used++;
                    assertEquals(actual, model[p], "page " + p + " is in use: the destination must hold its last write");
                } else {
                    assertEquals(block.free().isFree(p) ? 0 : actual, model[p], "free page " + p);
                }
            }
            assertTrue(used > 0 && used < pages, used + " pages in use");
            assertTrue(guest.hints().hintsInvalidated() > 0, "hinted pages were written again");
        }
    }

    /** What BitmapScan does with hints on: fetch-and-clear the dirty word first, then read the free word. */
    private static void scan(RamBlock block, long[] model) {
        for (int w = 0; w < block.dirty().wordCount(); w++) {
            long bits = block.dirty().fetchAndClearWord(w);
            long free = bits & block.free().word(w);
            while (bits != 0) {
                int p = (w << 6) + Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                model[p] = (free & (1L << (p & 63))) != 0 ? 0
                        : block.memory().get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN),
                        (long) p * block.pageSize());
            }
        }
    }
}
