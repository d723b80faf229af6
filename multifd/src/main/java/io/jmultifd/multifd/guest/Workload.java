package io.jmultifd.multifd.guest;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A thread that keeps dirtying guest memory, like {@code stress-ng --vm}: whole pages at random
 * (seeded) places, at a configured rate, through the guest write API. About one page in eight is written
 * as zeros so that pages also turn from data back to zero while a migration runs.
 *
 * <p>{@link #pause()} returns only once no write is in flight, so a paused guest is quiescent (the
 * stop-and-copy phase relies on that). {@link #setThrottle} slows it down (force-converge).
 */
public final class Workload implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Workload.class.getName());
    /** Pages written per slice; the thread sleeps between slices to keep the rate. */
    private static final int PAGES_PER_SLICE = 16;

    private final GuestMemory guest;
    private final double mbPerSecond;
    private final long seed;
    private final FreeList freeList;
    private final BeforeWrite beforeWrite;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition unpaused = lock.newCondition();
    private final AtomicLong bytesWritten = new AtomicLong();
    private volatile boolean paused;
    private volatile boolean stopped;
    private volatile double throttle;
    private Thread thread;

    /**
     * When the guest has a {@link FreeList}, the workload writes only pages in use, and once per slice of writes
     * allocates a free chunk (writing one of its pages) and frees a chunk in use, which the free list's balloon
     * driver reports during a migration.
     */
    public Workload(GuestMemory guest, double mbPerSecond, long seed) {
        this(guest, mbPerSecond, seed, (block, offset) -> { });
    }

    /** Told of each page before the workload writes it (postcopy: the page is faulted in from native code first). */
    @FunctionalInterface
    public interface BeforeWrite {
        void touch(RamBlock block, long offset);
    }

    /** As above, with {@code beforeWrite} called before each page is written. */
    public Workload(GuestMemory guest, double mbPerSecond, long seed, BeforeWrite beforeWrite) {
        this.beforeWrite = beforeWrite;
        this.freeList = guest.freeList();
        if (!(mbPerSecond >= 0) || Double.isInfinite(mbPerSecond)) {
            throw new IllegalArgumentException("workload rate must be >= 0 MB/s, got " + mbPerSecond);
        }
        this.guest = guest;
        this.mbPerSecond = mbPerSecond;
        this.seed = seed;
    }

    public synchronized void start() {
        if (thread != null) {
            throw new IllegalStateException("workload already started");
        }
        // Not "jmultifd-...": that prefix is for engine threads, which must all end with a migration.
        thread = Thread.ofPlatform().name("guest-workload").daemon(true).unstarted(this::run);
        thread.start();
    }

    /** Stops writing; returns once the write in flight (if any) has completed. */
    public void pause() {
        paused = true;
        lock.lock(); // the writer holds the lock during a slice: taking it waits for that slice to end
        lock.unlock();
    }

    public void resume() {
        lock.lock();
        try {
            paused = false;
            unpaused.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** 0 = full speed, 0.99 = 1% of the configured rate. */
    public void setThrottle(double fraction) {
        if (!(fraction >= 0 && fraction < 1)) {
            throw new IllegalArgumentException("throttle must be in [0, 1), got " + fraction);
        }
        throttle = fraction;
    }

    public double throttle() { return throttle; }

    public double mbPerSecond() { return mbPerSecond; }

    public long seed() { return seed; }

    public boolean isRunning() {
        Thread t = thread;
        return t != null && t.isAlive() && !stopped;
    }

    public boolean isPaused() { return paused; }

    public long bytesWritten() { return bytesWritten.get(); }

    /**
     * Whether the writer is parked until {@link #resume()}: then it cannot write, which tests check this way
     * rather than by sleeping and seeing that nothing was written.
     */
    boolean writerAwaitsResume() {
        lock.lock();
        try {
            return lock.hasWaiters(unpaused);
        } finally {
            lock.unlock();
        }
    }

    public void stop() {
        stopped = true;
        resume();
        Thread t = thread;
        if (t != null) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        stop();
    }

    private void run() {
        int pageSize = guest.pageSize();
        long totalPages = guest.totalPages();
        SplittableRandom random = new SplittableRandom(seed);
        try (Arena arena = Arena.ofConfined()) {
            // A pattern 8 pages long; each write takes a page-sized window of it at a random offset and
            // stamps a counter, so pages differ from each other and from their previous contents.
            MemorySegment pattern = arena.allocate(8L * pageSize + pageSize, 8);
            for (long i = 0; i < pattern.byteSize(); i += 8) {
                pattern.set(ValueLayout.JAVA_LONG_UNALIGNED, i, random.nextLong());
            }
            MemorySegment zeros = arena.allocate(pageSize, 8);
            MemorySegment stamp = arena.allocate(pageSize, 8);
            long counter = 0;
            long startNanos = System.nanoTime();
            double creditBytes = 0;
            long lastNanos = startNanos;
            while (!stopped) {
                lock.lock();
                try {
                    while (paused && !stopped) {
                        unpaused.await();
                    }
                    if (stopped) {
                        break;
                    }
                    long now = System.nanoTime();
                    double rate = mbPerSecond * 1e6 * (1 - throttle);
                    creditBytes = Math.min(creditBytes + rate * (now - lastNanos) / 1e9, 4.0 * PAGES_PER_SLICE * pageSize);
                    lastNanos = now;
                    int pages = (int) Math.min(PAGES_PER_SLICE, (long) (creditBytes / pageSize));
                    int allocated = pages > 0 && freeList != null ? freeList.allocate(random) : -1;
                    for (int i = 0; i < pages; i++) {
                        RamBlock block;
                        long offset;
                        int chunk = freeList == null ? -1 : i == 0 && allocated >= 0 ? allocated : freeList.randomUsed(random);
                        if (chunk >= 0) {
                            block = freeList.block(chunk);
                            offset = freeList.page(chunk, random) * pageSize;
                        } else {
                            long page = random.nextLong(totalPages);
                            block = blockOf(page);
                            offset = (page - firstPage(block)) * pageSize;
                        }
                        beforeWrite.touch(block, offset);
                        if (random.nextInt(8) == 0) {
                            block.write(offset, zeros);
                        } else {
                            long window = random.nextLong(8) * pageSize + 8L * random.nextInt(pageSize / 8);
                            MemorySegment.copy(pattern, window, stamp, 0, pageSize);
                            stamp.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, ++counter);
                            block.write(offset, stamp);
                        }
                    }
                    int freed = allocated >= 0 ? freeList.randomUsed(random) : -1;
                    if (freed >= 0) {
                        freeList.free(freed); // the free share stays as it was
                    }
                    creditBytes -= (double) pages * pageSize;
                    bytesWritten.addAndGet((long) pages * pageSize);
                } finally {
                    lock.unlock();
                }
                // Sleep outside the lock so that pause() never waits for a sleep.
                double rate = mbPerSecond * 1e6 * (1 - throttle);
                long sleepNanos = rate <= 0 ? 10_000_000L
                        : (long) Math.max(0, (PAGES_PER_SLICE * (double) pageSize - creditBytes) / rate * 1e9);
                if (sleepNanos > 0) {
                    TimeUnit.NANOSECONDS.sleep(Math.min(sleepNanos, 10_000_000L));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "workload stopped: " + e, e);
        } finally {
            stopped = true;
        }
    }

    private long firstPage(RamBlock block) {
        long first = 0;
        for (RamBlock b : guest.blocks()) {
            if (b == block) {
                return first;
            }
            first += b.pageCount();
        }
        throw new IllegalStateException();
    }

    private RamBlock blockOf(long page) {
        for (RamBlock b : guest.blocks()) {
            if (page < b.pageCount()) {
                return b;
            }
            page -= b.pageCount();
        }
        throw new IllegalStateException("page beyond the guest");
    }
}
