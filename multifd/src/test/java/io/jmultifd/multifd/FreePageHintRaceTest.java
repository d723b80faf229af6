package io.jmultifd.multifd;

import io.jmultifd.multifd.guest.FreePageHints;
import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.RamBlock;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Hints race writes on many threads while a migration runs, and no written page is ever skipped.
 *
 * <p>The guest is a free list of 8-page chunks (eight chunks share a 64-bit bitmap word, so hints and writes of
 * different threads hit the same words all the time). "Balloon" threads take a free chunk (FREE → REPORTING),
 * hint it, and put it back; allocator threads take free chunks (FREE → USED) and write every page of them, write
 * pages of chunks in use, and free chunks again (USED → FREE). The handoff through the chunk's state orders each
 * hint before any write of a later allocation, as a guest kernel's balloon driver does. The threads start with
 * the bulk round and do a fixed amount of work; the stop-and-copy phase waits for them. The verdict is on the
 * final memory, whatever the timing: every chunk in use at the end reads on the destination exactly as on the
 * source; every free page reads as zero when the source considers it free, else as on the source.
 */
class FreePageHintRaceTest {
    private static final int FREE = 0;
    private static final int USED = 1;
    private static final int REPORTING = 2;
    private static final int CHUNK_PAGES = 8;
    private static final int ALLOCATORS = 4;
    private static final java.util.concurrent.atomic.AtomicInteger allocatorsDone =
            new java.util.concurrent.atomic.AtomicInteger();

    @Test
    void noWrittenPageIsEverSkipped() throws Exception {
        int pageSize = 4096;
        long size = 8L << 20;
        int chunks = (int) (size / pageSize / CHUNK_PAGES);
        MigrationParameters p = MigrationParameters.from(Map.of("multifd-channels", "3", "packet-pages", "16",
                "max-bandwidth", "32M", "downtime-limit", "50"));
        try (GuestMemory guest = GuestMemory.of(RamBlock.anonymous("ram0", size, pageSize));
             Harness.Incoming in = new Harness.Incoming(p, false)) {
            RamBlock block = guest.blocks().getFirst();
            block.memory().fill((byte) 0x5A); // stale bytes everywhere: a skipped page that should not be shows
            allocatorsDone.set(0);
            AtomicIntegerArray state = new AtomicIntegerArray(chunks);
            AtomicIntegerArray hintedBeforeAllocation = new AtomicIntegerArray(chunks);
            for (int c = 0; c < chunks; c++) {
                state.set(c, c % 2 == 0 ? FREE : USED);
            }
            AtomicBoolean refusedHint = new AtomicBoolean();
            AtomicLong allocationsAfterHint = new AtomicLong();
            List<Thread> threads = new ArrayList<>();
            AtomicBoolean started = new AtomicBoolean();
            List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
            Runnable startThreads = () -> {
                for (int t = 0; t < 3; t++) {
                    long seed = t;
                    threads.add(Thread.ofPlatform().name("test-balloon-" + t).start(() -> balloon(guest.hints(), block,
                            state, hintedBeforeAllocation, refusedHint, seed, errors)));
                }
                for (int t = 0; t < ALLOCATORS; t++) {
                    long seed = 100 + t;
                    threads.add(Thread.ofPlatform().name("test-allocator-" + t).start(() -> allocator(block, state,
                            hintedBeforeAllocation, allocationsAfterHint, seed, errors)));
                }
            };
            MigrationSource source = new MigrationSource(guest, null, p);
            MigrationResult r = source.migrate(in.sourceTarget, progress -> {
                if (progress.phase() == Progress.Phase.BULK && started.compareAndSet(false, true)) {
                    startThreads.run();
                }
                if (progress.phase() == Progress.Phase.STOP_COPY) {
                    for (Thread t : threads) {
                        try {
                            t.join(); // a paused guest: nothing writes or hints during the last round
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                    }
                }
            });
            MigrationResult dr = in.await();
            assertTrue(errors.isEmpty(), "guest threads failed: " + errors);
            Harness.assertCompleted(r, "source");
            Harness.assertCompleted(dr, "destination");
            assertTrue(!refusedHint.get(), "every hint was taken (the window is open from bulk to stop-copy)");

            RamBlock received = in.destination.received().blocks().getFirst();
            long usedChunks = 0;
            long zeroedPages = 0;
            for (int c = 0; c < chunks; c++) {
                for (int i = 0; i < CHUNK_PAGES; i++) {
                    long page = (long) c * CHUNK_PAGES + i;
                    MemorySegment src = block.page(page);
                    MemorySegment dst = received.page(page);
                    if (state.get(c) == USED) {
                        if (src.mismatch(dst) != -1) {
                            fail("page " + page + " of chunk " + c + " is in use but the destination lost it (source "
                                    + (block.free().isFree(page) ? "free" : "not free") + ")");
                        }
                        assertTrue(!block.free().isFree(page), "a page in use is not free at the source: " + page);
                    } else if (block.free().isFree(page)) {
                        assertEquals(-1, dst.mismatch(Arena.global().allocate(pageSize)), "free page " + page + " reads as zero");
                        zeroedPages++;
                    } else {
                        assertEquals(-1, src.mismatch(dst), "page " + page + " not hinted is sent");
                    }
                }
                usedChunks += state.get(c) == USED ? 1 : 0;
            }
            // The race must really have happened: hints taken, then pages of hinted chunks written and sent.
            assertTrue(r.freePages().hintsReceived() > 0, "hints: " + r.freePages());
            assertTrue(r.freePages().hintsInvalidated() > 0, "hinted pages written again: " + r.freePages());
            assertEquals(r.freePages().hintsInvalidated(), io.jmultifd.cli.JsonReports.result(r.toMap())
                    .get("jmultifd").get("free-page-hints-invalidated").asLong());
            assertTrue(allocationsAfterHint.get() > 0, "chunks allocated after a hint");
            assertTrue(r.freePages().skippedPages() > 0 && dr.freePages().skippedPages() == r.freePages().skippedPages(),
                    "pages skipped: source " + r.freePages() + ", destination " + dr.freePages());
            assertTrue(usedChunks > 0 && zeroedPages > 0, usedChunks + " chunks in use, " + zeroedPages + " free pages");
        }
    }

    /** Reports free chunks while holding them, as a balloon driver does, over and over. */
    private static void balloon(FreePageHints hints, RamBlock block, AtomicIntegerArray state,
                                AtomicIntegerArray hinted, AtomicBoolean refused, long seed, List<Throwable> errors) {
        try {
            SplittableRandom random = new SplittableRandom(seed);
            long chunkBytes = (long) CHUNK_PAGES * block.pageSize();
            // Random chunks while the allocators run, then a sweep of the whole free list (what the driver does
            // when asked), so that free pages remain at the end.
            int sweep = -1;
            while (sweep < state.length()) {
                if (sweep < 0 && allocatorsDone.get() == ALLOCATORS) {
                    sweep = 0;
                }
                int c = sweep < 0 ? random.nextInt(state.length()) : sweep++;
                if (c >= state.length() || !state.compareAndSet(c, FREE, REPORTING)) {
                    continue;
                }
                // Now and then a range that starts inside the first page: that page stays in use.
                long skip = random.nextInt(4) == 0 ? 100 : 0;
                if (!hints.hintFree(block.name(), c * chunkBytes + skip, chunkBytes - skip)) {
                    refused.set(true);
                }
                hinted.set(c, 1);
                state.set(c, FREE);
            }
        } catch (Throwable t) {
            errors.add(t);
        }
    }

    /** Allocates chunks and writes all of their pages, writes pages in use, frees chunks. */
    private static void allocator(RamBlock block, AtomicIntegerArray state, AtomicIntegerArray hinted,
                                  AtomicLong allocationsAfterHint, long seed, List<Throwable> errors) {
        try (Arena arena = Arena.ofConfined()) {
            SplittableRandom random = new SplittableRandom(seed);
            int pageSize = block.pageSize();
            MemorySegment content = arena.allocate(pageSize, 8);
            for (int op = 0; op < 6000; op++) {
                int c = random.nextInt(state.length());
                switch (random.nextInt(3)) {
                    case 0 -> {
                        if (state.compareAndSet(c, FREE, USED)) {
                            if (hinted.getAndSet(c, 0) == 1) {
                                allocationsAfterHint.incrementAndGet();
                            }
                            for (int i = 0; i < CHUNK_PAGES; i++) {
                                write(block, (long) c * CHUNK_PAGES + i, content, random);
                            }
                        }
                    }
                    case 1 -> {
                        if (state.get(c) == USED) {
                            write(block, (long) c * CHUNK_PAGES + random.nextInt(CHUNK_PAGES), content, random);
                        }
                    }
                    default -> state.compareAndSet(c, USED, FREE);
                }
            }
        } catch (Throwable t) {
            errors.add(t);
        } finally {
            allocatorsDone.incrementAndGet();
        }
    }

    private static void write(RamBlock block, long page, MemorySegment content, SplittableRandom random) {
        for (long b = 0; b < content.byteSize(); b += 8) {
            content.set(ValueLayout.JAVA_LONG_UNALIGNED, b, random.nextLong() | 1); // never a zero page
        }
        block.write(page * block.pageSize(), content);
    }
}
