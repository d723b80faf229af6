package io.jmultifd.multifd.postcopy;

import io.jmultifd.linux.ErrnoException;
import io.jmultifd.multifd.guest.RamBlock;
import io.jmultifd.multifd.verify.PageDigests;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The destination's faulted memory on a real userfaultfd: a discarded page faults, is requested once, and whoever
 * touched it (a plain MemorySegment read on another thread, or the workload's native touch) gets the page placed.
 * Skipped where this process has no userfaultfd, except with CI=true or JMULTIFD_REQUIRE_USERFAULTFD=1.
 */
@EnabledOnOs(value = OS.LINUX, architectures = "amd64")
// A guard, not a speed limit: a fault left unserved hangs the test thread inside the page fault; closing the
// userfaultfd in tearDown wakes it.
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FaultedMemoryTest {
    private static final int PAGE = 4096;
    private RamBlock block;
    private FaultedMemory memory;
    private PageDigests digests;
    private PageDigests.Recorder placed; // a receiving channel's
    private final PostcopyStatistics statistics = new PostcopyStatistics();
    private final BlockingQueue<long[]> requests = new LinkedBlockingQueue<>();
    private Thread faultThread;
    private final Arena arena = Arena.ofShared();

    @BeforeEach
    void setUp() throws ErrnoException {
        UserfaultfdRequired.here();
        block = RamBlock.anonymous("ram0", 4 * PAGE, PAGE);
        block.memory().asSlice(0, 2 * PAGE).fill((byte) 0x11); // pages 0 and 1 received by precopy; 2, 3 never
        digests = new PageDigests(List.of(block), PAGE);
        placed = digests.recorder();
        placed.page(0, 0, block.page(0)); // as precopy's channels recorded them; pages 2 and 3 as zero pages
        placed.page(0, 1, block.page(1));
        // The memory check at the switchover reads page 2 (present from then on). Page 1 was dirtied after it was
        // sent (discarded); page 3 was never present here and not read (a page that came as free), so it is missing
        // without being pending.
        block.memory().get(ValueLayout.JAVA_LONG, 2 * PAGE);
        memory = FaultedMemory.register(List.of(block), PAGE, digests, statistics,
                (b, offset) -> requests.add(new long[] {b, offset}));
        memory.discard(0, 1, 1);
        faultThread = Thread.ofPlatform().name("test-faults").start(memory::serveFaults);
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        if (memory != null) {
            memory.stop();
            assertTrue(memory.awaitServed(10_000));
            memory.close();
            block.close();
        }
        arena.close();
    }

    private MemorySegment pageOf(byte value) {
        MemorySegment p = arena.allocate(PAGE, PAGE);
        p.fill(value);
        return p;
    }

    @Test
    void aPlainReadOfADiscardedPageWaitsForItsPageAndReadsWhatWasPlaced() throws Exception {
        assertEquals(1, memory.pendingPages());
        CompletableFuture<Long> read = CompletableFuture.supplyAsync(
                () -> block.memory().get(ValueLayout.JAVA_LONG, PAGE + 8), r -> Thread.ofPlatform().start(r));
        long[] request = requests.poll(30, TimeUnit.SECONDS);
        assertNotNull(request, "the fault was requested");
        assertArrayEquals(new long[] {0, PAGE}, request);
        // The page was dropped (MADV_DONTNEED): a read that did not wait would have seen zeros, not 0x22.
        assertTrue(memory.place(0, PAGE, pageOf((byte) 0x22), placed));
        assertEquals(0x2222222222222222L, read.get(30, TimeUnit.SECONDS));
        assertFalse(memory.place(0, PAGE, pageOf((byte) 0x33), placed), "a later copy of a placed page is dropped");
        assertEquals(0x2222222222222222L, block.memory().get(ValueLayout.JAVA_LONG, PAGE));
        assertEquals(0, memory.pendingPages());
        assertEquals(1, statistics.summary().pageRequests());
        assertTrue(requests.isEmpty(), "one request per page");
    }

    @Test
    void pagesValidAtTheSwitchoverReadAsTheyWereAndMissingOnesThatWereNotDiscardedAsZerosWithoutARequest() {
        assertEquals(0x1111111111111111L, block.memory().get(ValueLayout.JAVA_LONG, 0));
        assertEquals(0L, block.memory().get(ValueLayout.JAVA_LONG, 2 * PAGE)); // read at the switchover: present
        block.memory().set(ValueLayout.JAVA_LONG, 3 * PAGE, 5L); // missing: faults, the zero page, then the write
        assertEquals(5L, block.memory().get(ValueLayout.JAVA_LONG, 3 * PAGE));
        assertTrue(requests.isEmpty());
        assertEquals(1, statistics.summary().faults());
    }

    @Test
    void theNativeTouchWaitsForThePageToo() throws Exception {
        CompletableFuture<Void> touched = CompletableFuture.runAsync(() -> memory.touch(block, PAGE),
                r -> Thread.ofPlatform().start(r));
        assertArrayEquals(new long[] {0, PAGE}, requests.poll(30, TimeUnit.SECONDS));
        assertTrue(memory.placeZero(0, PAGE, placed));
        touched.get(30, TimeUnit.SECONDS);
        assertEquals(0L, block.memory().get(ValueLayout.JAVA_LONG, PAGE));
    }

    /** The digests the source recorded as it sent {@code pages} (0x11, 0x22, then zero pages). */
    private static PageDigests sentDigests(RamBlock sent) {
        PageDigests d = new PageDigests(List.of(sent), PAGE);
        PageDigests.Recorder r = d.recorder();
        for (long p = 0; p < sent.pageCount(); p++) {
            r.page(0, p, sent.page(p));
        }
        return d;
    }

    @Test
    void theDigestsRecordEachPageAsItWasPlaced() {
        assertTrue(memory.place(0, PAGE, pageOf((byte) 0x22), placed));
        block.memory().get(ValueLayout.JAVA_LONG, 3 * PAGE); // missing, not discarded: zeros, recorded as such
        block.memory().set(ValueLayout.JAVA_LONG, 0, -1L); // the guest changes a page afterwards: no effect
        try (RamBlock expected = RamBlock.anonymous("ram0", 4 * PAGE, PAGE)) {
            expected.memory().asSlice(0, PAGE).fill((byte) 0x11);
            expected.memory().asSlice(PAGE, PAGE).fill((byte) 0x22);
            PageDigests source = sentDigests(expected);
            for (long p = 0; p < 4; p++) {
                assertEquals(source.digest(0, p), digests.digest(0, p), "page " + p);
            }
            assertEquals(source.blockDigest(0), digests.blockDigest(0));
        }
    }

    @Test
    void aPagePlacedWithOtherBytesThanTheSourceSentMakesItsBlockDigestDiffer() {
        MemorySegment corrupt = pageOf((byte) 0x22);
        corrupt.set(ValueLayout.JAVA_BYTE, 100, (byte) 0x23); // one byte damaged between the source and the place
        assertTrue(memory.place(0, PAGE, corrupt, placed));
        try (RamBlock expected = RamBlock.anonymous("ram0", 4 * PAGE, PAGE)) {
            expected.memory().asSlice(0, PAGE).fill((byte) 0x11);
            expected.memory().asSlice(PAGE, PAGE).fill((byte) 0x22);
            PageDigests source = sentDigests(expected);
            assertEquals(source.digest(0, 0), digests.digest(0, 0));
            assertNotEquals(source.digest(0, 1), digests.digest(0, 1), "the placed page is recorded as placed");
            assertNotEquals(source.blockDigest(0), digests.blockDigest(0));
        }
    }
}
