package io.jmultifd.multifd;

import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.RamBlock;
import io.jmultifd.multifd.guest.Workload;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Test helpers: guests with mixed content, a destination running in the background, comparisons. */
final class Harness {
    private static final AtomicInteger NAMES = new AtomicInteger();

    private Harness() {}

    static String uniqueName(String prefix) {
        return prefix + "-" + NAMES.incrementAndGet();
    }

    /** Two blocks: zero pages, random pages and repeated-pattern pages, seeded. */
    static GuestMemory mixedGuest(long ram0, long ram1, long seed) {
        GuestMemory g = GuestMemory.of(RamBlock.anonymous("ram0", ram0, 4096), RamBlock.anonymous("ram1", ram1, 4096));
        fill(g, seed);
        return g;
    }

    static void fill(GuestMemory g, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        for (RamBlock b : g.blocks()) {
            MemorySegment m = b.memory();
            for (long p = 0; p < b.pageCount(); p++) {
                long base = p * b.pageSize();
                switch (r.nextInt(4)) {
                    case 0 -> { } // zero page
                    case 1 -> {
                        for (long i = 0; i < b.pageSize(); i += 8) {
                            m.set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, base + i, r.nextLong());
                        }
                    }
                    case 2 -> m.asSlice(base, b.pageSize()).fill((byte) r.nextInt(256));
                    default -> {
                        for (long i = 0; i < b.pageSize(); i++) {
                            m.set(java.lang.foreign.ValueLayout.JAVA_BYTE, base + i, (byte) ("guest text " .charAt((int) (i % 11))));
                        }
                    }
                }
            }
        }
    }

    /**
     * The guest writes {@code pages} distinct pages through the write API, each with content it did not hold
     * (a seeded pattern, the page number in its first bytes); returns how many it wrote.
     */
    static int rewritePages(GuestMemory g, int pages, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        RamBlock block = g.blocks().getFirst();
        long stride = Math.max(1, block.pageCount() / pages);
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            MemorySegment content = arena.allocate(block.pageSize(), 8);
            for (int i = 0; i < pages; i++) {
                long page = i * stride;
                for (long b = 0; b < block.pageSize(); b += 8) {
                    content.set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, b, r.nextLong());
                }
                content.set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, 0, ~page);
                block.write(page * block.pageSize(), content);
            }
        }
        return pages;
    }

    /** A destination receiving in the background. */
    static final class Incoming implements AutoCloseable {
        final MigrationDestination destination;
        final CompletableFuture<MigrationResult> result;
        final Endpoint sourceTarget;
        private final ExecutorService exec = Executors.newSingleThreadExecutor();

        Incoming(MigrationParameters params, boolean tcp) throws InterruptedException {
            this(params, tcp, ProgressListener.NONE);
        }

        Incoming(MigrationParameters params, boolean tcp, ProgressListener listener) throws InterruptedException {
            this(params, tcp, listener, d -> { });
        }

        /** As above; {@code created} sees the destination before it listens (e.g. for a listener to cancel it). */
        Incoming(MigrationParameters params, boolean tcp, ProgressListener listener,
                 java.util.function.Consumer<MigrationDestination> created) throws InterruptedException {
            destination = new MigrationDestination(params);
            created.accept(destination);
            Endpoint listen = tcp ? Endpoint.tcp("127.0.0.1", 0) : Endpoint.inProcess(uniqueName("dest"));
            result = CompletableFuture.supplyAsync(() -> destination.receive(listen, listener), exec);
            int port = destination.awaitListening();
            sourceTarget = tcp ? Endpoint.tcp("127.0.0.1", port) : listen;
        }

        /** The destination's result; its JSON report matches docs/query-migrate.schema.json whatever the status. */
        MigrationResult await() throws Exception {
            MigrationResult r = result.get(120, TimeUnit.SECONDS);
            io.jmultifd.cli.JsonReports.result(r.toMap());
            return r;
        }

        @Override
        public void close() {
            destination.cancel();
            try {
                result.get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                fail("destination did not stop: " + e);
            }
            exec.shutdownNow();
            destination.close();
        }
    }

    /** Byte-for-byte comparison of two guests, naming the first differing page. */
    static void assertSameMemory(GuestMemory expected, GuestMemory actual) {
        assertEquals(expected.blocks().size(), actual.blocks().size(), "block count");
        for (int i = 0; i < expected.blocks().size(); i++) {
            RamBlock e = expected.blocks().get(i);
            RamBlock a = actual.blocks().get(i);
            assertEquals(e.name(), a.name());
            assertEquals(e.size(), a.size());
            long mismatch = e.memory().mismatch(a.memory());
            if (mismatch != -1) {
                fail("block " + e.name() + " differs first at page " + mismatch / e.pageSize() + " (offset " + mismatch + ")");
            }
        }
        assertEquals(expected.checksums(), actual.checksums());
    }

    static void assertNoEngineThreads() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            var live = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.isAlive() && t.getName().startsWith("jmultifd-"))
                    .map(Thread::getName).toList();
            if (live.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                fail("engine threads still alive: " + live);
            }
            Thread.sleep(20);
        }
    }

    static Workload startWorkload(GuestMemory g, double mbPerSecond, long seed) {
        Workload w = new Workload(g, mbPerSecond, seed);
        w.start();
        return w;
    }

    static void assertCompleted(MigrationResult r, String side) {
        io.jmultifd.cli.JsonReports.result(r.toMap());
        assertEquals(MigrationStatus.COMPLETED, r.status(), side + " failed: " + r.error());
        assertTrue(r.checksumMatch(), side + " checksum_match");
    }
}
