package io.jmultifd.multifd;

import io.jmultifd.multifd.MigrationFailure.Cause;
import io.jmultifd.multifd.MigrationFailure.Side;
import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.RamBlock;
import io.jmultifd.multifd.guest.Workload;
import io.jmultifd.multifd.transport.Connection;
import io.jmultifd.multifd.transport.Transport;
import io.jmultifd.multifd.wire.MessageReader;
import io.jmultifd.multifd.wire.MessageWriter;
import io.jmultifd.multifd.wire.Wire;
import io.jmultifd.multifd.wire.WireException;
import io.jmultifd.spi.ChannelContext;
import io.jmultifd.spi.ChannelSender;
import io.jmultifd.spi.MethodStatistics;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The sending side: precopy of a guest to one destination (QEMU's multifd model).
 *
 * <p>The calling thread is the main thread: it connects, scans the dirty bitmap and hands batches of page
 * offsets to the channels' sender threads ({@code jmultifd-send-N}), closes each round with a SYNC on every
 * channel, decides when to stop and copy, and exchanges the checksums. {@link #migrate} never throws for a
 * migration failure: it returns FAILED (or CANCELLED) with the cause. After COMPLETED the workload stays
 * paused (the guest now lives at the destination); after anything else it runs again if this call paused it.
 * The engine only reads guest memory.
 */
public final class MigrationSource {
    private static final System.Logger LOG = System.getLogger(MigrationSource.class.getName());

    private final GuestMemory guest;
    private final Workload workload;
    private final MigrationParameters params;
    private volatile Run current;

    public MigrationSource(GuestMemory guest, Workload workloadOrNull, MigrationParameters params) {
        if (guest.pageSize() != params.pageSize()) {
            throw new IllegalArgumentException("guest page size " + guest.pageSize() + " differs from "
                    + MigrationParameters.PAGE_SIZE + "=" + params.pageSize());
        }
        this.guest = guest;
        this.workload = workloadOrNull;
        this.params = params;
    }

    public MigrationParameters parameters() {
        return params;
    }

    /** Runs one migration to {@code to}; one at a time per source. */
    public MigrationResult migrate(Endpoint to, ProgressListener listener) {
        Run run;
        synchronized (this) {
            if (current != null) {
                throw new IllegalStateException("a migration of this source is already running");
            }
            run = new Run(to, listener == null ? ProgressListener.NONE : listener);
            current = run;
        }
        try {
            return run.execute();
        } finally {
            synchronized (this) {
                current = null;
            }
        }
    }

    /** Cancels the running migration (from any thread); it returns CANCELLED. No-op when none runs. */
    public void cancel() {
        Run r = current;
        if (r != null) {
            r.failure.cancel();
        }
    }

    /** A batch of page offsets of one block, or a SYNC/END marker, handed from the main thread to a channel. */
    private static final class Job {
        final Run.SendChannel channel;
        final long[] offsets;
        final boolean[] zero;
        int type;
        int blockIndex;
        int count;
        long round;

        Job(Run.SendChannel channel, int packetPages) {
            this.channel = channel;
            this.offsets = new long[packetPages];
            this.zero = new boolean[packetPages];
        }
    }

    private final class Run {
        final Endpoint to;
        final ProgressListener listener;
        final AtomicLong activity = new AtomicLong();
        final List<Connection> connections = new CopyOnWriteArrayList<>();
        final EngineThreads threads = new EngineThreads();
        final Failure failure = new Failure(Side.SOURCE, this::farewell, this::teardown, threads);
        volatile boolean handshakeDone;
        final LongAdder normalPages = new LongAdder();
        final LongAdder zeroPages = new LongAdder();
        final LongAdder compressedBytes = new LongAdder();
        final LongAdder pagesDone = new LongAdder();
        final CompletableFuture<String> verdict = new CompletableFuture<>(); // null = match, else why not
        final List<SendChannel> channels = new ArrayList<>();
        final RateLimiter limiter = new RateLimiter(params.maxBandwidth());
        final long sessionId = ThreadLocalRandom.current().nextLong();
        volatile Thread mainThread;
        int nextChannel;
        Progress.Phase phase = Progress.Phase.SETUP;
        long round;
        long dirtyRemaining;
        double lastMbps;

        Run(Endpoint to, ProgressListener listener) {
            this.to = to;
            this.listener = listener;
        }

        /** Tells the destination why the source stops, unless the destination said it first. */
        void farewell(MigrationFailure r) {
            if (!handshakeDone || r.side() != Side.SOURCE) {
                return;
            }
            String why = r.status() == MigrationStatus.CANCELLED ? "cancelled by the source" : r.message();
            try {
                new MessageWriter().u8(Wire.MSG_ERROR).str(why).send(connections.getFirst());
            } catch (IOException ignored) {
                // the destination may be gone
            }
        }

        /** Called once, on the first failure: closing the sockets wakes every blocked read and write. */
        void teardown() {
            for (Connection c : connections) {
                c.close();
            }
            threads.interruptAll();
            Thread m = mainThread;
            if (m != null && m != Thread.currentThread()) {
                m.interrupt();
            }
        }

        long transferred() {
            long n = 0;
            for (Connection c : connections) {
                n += c.bytesRead() + c.bytesWritten();
            }
            return n;
        }

        void report() {
            try {
                listener.onProgress(new Progress(phase, round, transferred(), guest.totalBytes(), dirtyRemaining, lastMbps));
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "progress listener threw " + e);
            }
        }

        MigrationResult execute() {
            mainThread = Thread.currentThread();
            long startNanos = System.nanoTime();
            long startCpu = EngineThreads.currentThreadCpuNanos();
            long setupNanos = 0;
            long pauseNanos = 0;
            long verdictNanos = 0;
            boolean pausedHere = false;
            boolean checksumMatch = false;
            long syncs = 0;
            double dirtyPagesRate = 0;
            Watchdog watchdog = new Watchdog(activity, params.peerTimeoutMs(), failure);
            threads.start("jmultifd-src-watchdog", watchdog::run);
            report();
            try {
                setup();
                setupNanos = System.nanoTime() - startNanos;

                // Bulk round: every page.
                for (RamBlock b : guest.blocks()) {
                    b.dirty().markAll();
                }
                phase = Progress.Phase.BULK;
                report();
                long roundStart = System.nanoTime();
                long bytesBefore = transferred();
                sendRound();
                syncRound();
                syncs++;
                long roundNanos = Math.max(1, System.nanoTime() - roundStart);
                double wireBytesPerSec = (transferred() - bytesBefore) * 1e9 / roundNanos;
                double pagesPerSec = guest.totalPages() * 1e9 / roundNanos;
                lastMbps = wireBytesPerSec * 8 / 1e6;

                // Iterate until the rest fits into the downtime limit.
                phase = Progress.Phase.ITERATE;
                long iterateStart = System.nanoTime();
                long pagesDoneBefore;
                while (true) {
                    long dirty = guest.dirtyCount();
                    dirtyRemaining = dirty;
                    long elapsedRound = Math.max(1, System.nanoTime() - roundStart);
                    // Pages the guest dirtied during the round just sent (the bulk round too: a migration that
                    // converges right after it must still report the rate its workload ran at).
                    dirtyPagesRate = dirty * 1e9 / elapsedRound;
                    report();
                    double expectedDowntimeMs = pagesPerSec <= 0 ? Double.MAX_VALUE : dirty * 1000.0 / pagesPerSec;
                    if (expectedDowntimeMs <= params.downtimeLimitMs()) {
                        break;
                    }
                    long iteratingMs = (System.nanoTime() - iterateStart) / 1_000_000L;
                    if (iteratingMs >= params.convergenceTimeoutMs()) {
                        if (!params.forceConverge() || workload == null) {
                            double dirtyMBs = dirty * (double) params.pageSize() / (elapsedRound / 1e9) / 1e6;
                            failure.fail(Cause.NOT_CONVERGED, String.format(java.util.Locale.ROOT,
                                    "did not converge: dirty rate %.1f MB/s above bandwidth %.1f MB/s after %d rounds"
                                            + " (%d pages dirty, expected downtime %.0f ms > downtime-limit %d ms,"
                                            + " convergence-timeout %d ms)",
                                    dirtyMBs, wireBytesPerSec / 1e6, round + 1, dirty, expectedDowntimeMs,
                                    params.downtimeLimitMs(), params.convergenceTimeoutMs()));
                            failure.check();
                        }
                        workload.setThrottle(0.99);
                    } else if (params.forceConverge() && workload != null && round >= 1) {
                        // Like QEMU's auto-converge: start at 20 %, then 10 % more per round that misses, up to 99 %.
                        double t = workload.throttle();
                        double next = t == 0 ? 0.2 : Math.min(0.99, t + 0.1);
                        if (next != t) {
                            workload.setThrottle(next);
                            LOG.log(System.Logger.Level.INFO, "force-converge: throttling the workload to "
                                    + Math.round(next * 100) + " %");
                        }
                    }
                    round++;
                    roundStart = System.nanoTime();
                    bytesBefore = transferred();
                    pagesDoneBefore = pagesDone.sum();
                    sendRound();
                    syncRound();
                    syncs++;
                    roundNanos = Math.max(1, System.nanoTime() - roundStart);
                    long sentPages = pagesDone.sum() - pagesDoneBefore;
                    // Estimates from rounds too short to time would be noise; keep the last good one.
                    if (roundNanos > 20_000_000L && sentPages > 0) {
                        wireBytesPerSec = (transferred() - bytesBefore) * 1e9 / roundNanos;
                        pagesPerSec = sentPages * 1e9 / roundNanos;
                        lastMbps = wireBytesPerSec * 8 / 1e6;
                    }
                }

                // Stop and copy.
                if (workload != null && workload.isRunning() && !workload.isPaused()) {
                    workload.pause();
                    pausedHere = true;
                }
                pauseNanos = System.nanoTime();
                phase = Progress.Phase.STOP_COPY;
                report();
                new MessageWriter().u8(Wire.MSG_STOP_COPY).send(connections.getFirst());
                round++;
                sendRound();
                syncRound();
                syncs++;
                endChannels();
                phase = Progress.Phase.VERIFY;
                dirtyRemaining = 0;
                report();
                MessageWriter complete = new MessageWriter().u8(Wire.MSG_COMPLETE).u64(round + 1).u32(guest.blocks().size());
                for (RamBlock b : guest.blocks()) {
                    complete.u64(b.checksum());
                    watchdog.touch();
                }
                complete.send(connections.getFirst());
                String mismatch = failure.await(verdict, "the destination's verdict");
                verdictNanos = System.nanoTime();
                if (mismatch != null) {
                    failure.peerFailed(Cause.CHECKSUM_MISMATCH, mismatch);
                } else {
                    checksumMatch = true;
                    phase = Progress.Phase.COMPLETED;
                    report();
                }
            } catch (Failure.Stopped e) {
                // the reason is in failure
            } catch (InterruptedException e) {
                failure.fail(Cause.INTERRUPTED, "interrupted");
            } catch (IOException e) {
                failure.fail(e instanceof WireException ? Cause.PROTOCOL : Cause.CONNECTION,
                        "main channel: " + Failure.describe(e));
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "migration failed", e);
                failure.fail(Cause.INTERNAL, "internal error: " + e);
            } finally {
                watchdog.stop();
                boolean ok = checksumMatch && !failure.isSet();
                if (!ok) {
                    failure.fail(Cause.INTERNAL, "failed");
                }
                // Success also closes everything, through the same path; a failure after it is a consequence.
                failure.complete();
                threads.joinAll();
                Thread.interrupted(); // teardown may have interrupted this thread; do not leak that to the caller
                if (!ok && pausedHere) {
                    workload.resume();
                }
            }
            MigrationFailure reason = failure.get();
            MigrationStatus status = reason == null ? MigrationStatus.COMPLETED : reason.status();
            if (status != MigrationStatus.COMPLETED) {
                phase = Progress.Phase.FAILED;
                report();
                LOG.log(System.Logger.Level.WARNING, "migration " + status + ": " + reason.message());
            }
            long end = System.nanoTime();
            long totalMs = (end - startNanos) / 1_000_000L;
            // As QEMU computes its final throughput: over the transfer time, i.e. without setup.
            double secs = Math.max(1e-9, (end - startNanos - setupNanos) / 1e9);
            long transferred = transferred();
            MethodStatistics stats = MethodStatistics.EMPTY;
            for (SendChannel c : channels) {
                stats = stats.plus(c.statistics);
            }
            long cpu = threads.cpuNanos() + EngineThreads.currentThreadCpuNanos() - startCpu;
            boolean completed = status == MigrationStatus.COMPLETED;
            return new MigrationResult(status, reason,
                    new MigrationResult.Times(totalMs, setupNanos / 1_000_000L,
                            completed ? (verdictNanos - pauseNanos) / 1_000_000L : 0, cpu / 1_000_000L),
                    new MigrationResult.Ram(transferred, normalPages.sum(), zeroPages.sum(),
                            transferred * 8 / 1e6 / secs, (normalPages.sum() + zeroPages.sum()) / secs,
                            syncs, dirtyPagesRate, syncs),
                    new MigrationResult.Multifd(params.methodName(), params.channels(), compressedBytes.sum(),
                            stats.counters()),
                    checksumMatch && completed);
        }

        private void setup() throws IOException, Failure.Stopped, InterruptedException {
            MessageWriter w = new MessageWriter();
            Connection main = Transport.of(to).connect(to, params.peerTimeoutMs(), true, activity);
            connections.add(main);
            failure.check();
            w.u32(Wire.MAGIC_MAIN).u16(Wire.VERSION).u64(sessionId);
            w.u8(Wire.MSG_HANDSHAKE).u32(params.pageSize()).u16(params.channels()).u32(params.packetPages())
                    .u8(Wire.zeroModeCode(params.zeroPageMode())).str(params.methodName());
            Map<String, String> mp = params.methodHandshake();
            w.u16(mp.size());
            mp.forEach((k, v) -> w.str(k).str(v));
            w.u32(guest.blocks().size());
            for (RamBlock b : guest.blocks()) {
                w.str(b.name()).u64(b.size());
            }
            w.send(main);

            MessageReader r = new MessageReader(main);
            long magic = r.u32("destination hello");
            if (magic != (Wire.MAGIC_MAIN & 0xFFFFFFFFL)) {
                throw new WireException(String.format("destination hello: wrong magic 0x%08x (expected 0x%08x)", magic, Wire.MAGIC_MAIN));
            }
            int version = r.u16("destination version");
            if (version != Wire.VERSION) {
                throw new WireException("version mismatch: source " + Wire.VERSION + ", destination " + version);
            }
            int answer = r.u8("handshake answer");
            if (answer == Wire.MSG_REFUSE) {
                String why = r.str("refusal");
                failure.peerFailed(Cause.REFUSED, "destination refused the migration: " + why);
                failure.check();
            } else if (answer != Wire.MSG_ACCEPT) {
                throw new WireException("handshake answer: unexpected message type " + answer);
            }
            handshakeDone = true;

            ChannelContextFactory ctx = i -> new ChannelContext(i, params.pageSize(), params.packetPages(), params.methodParameters());
            for (int i = 0; i < params.channels(); i++) {
                Connection c = Transport.of(to).connect(to, params.peerTimeoutMs(), false, activity);
                connections.add(c);
                failure.check();
                new MessageWriter().u32(Wire.MAGIC_CHANNEL).u16(Wire.VERSION).u64(sessionId).u16(i).send(c);
                channels.add(new SendChannel(i, c, ctx.of(i)));
            }
            for (SendChannel c : channels) {
                threads.start("jmultifd-send-" + c.index, c::run);
            }
            threads.start("jmultifd-src-reader", () -> readMain(r));
            failure.check();
        }

        /** Reads what the destination says after setup: the verdict, or why it failed. */
        private void readMain(MessageReader r) {
            try {
                while (true) {
                    int type = r.u8("destination message");
                    switch (type) {
                        case Wire.MSG_VERDICT -> {
                            boolean match = r.u8("verdict") == 1;
                            String msg = r.str("verdict message");
                            verdict.complete(match ? null : "checksum mismatch: " + msg);
                            return;
                        }
                        case Wire.MSG_ERROR -> {
                            String msg = r.str("destination error");
                            failure.peerFailed(Cause.PEER, "destination failed: " + msg);
                            return;
                        }
                        default -> throw new WireException("destination message: unexpected type " + type);
                    }
                }
            } catch (IOException e) {
                failure.fail(e instanceof WireException ? Cause.PROTOCOL : Cause.CONNECTION,
                        "main channel: " + Failure.describe(e));
            }
        }

        /** One round: fetch-and-clear every dirty word, hand the pages out in batches of at most packet-pages. */
        private void sendRound() throws Failure.Stopped, InterruptedException {
            int pageSize = params.pageSize();
            int packetPages = params.packetPages();
            boolean legacyZero = params.zeroPageMode() == ZeroPageMode.LEGACY;
            List<RamBlock> blocks = guest.blocks();
            for (int bi = 0; bi < blocks.size(); bi++) {
                RamBlock block = blocks.get(bi);
                var bitmap = block.dirty();
                Job job = null;
                int words = bitmap.wordCount();
                for (int w = 0; w < words; w++) {
                    long bits = bitmap.fetchAndClearWord(w);
                    while (bits != 0) {
                        long page = ((long) w << 6) + Long.numberOfTrailingZeros(bits);
                        bits &= bits - 1;
                        if (job == null) {
                            job = acquireAnyJob();
                            job.type = Wire.PACKET_DATA;
                            job.blockIndex = bi;
                            job.round = round;
                            job.count = 0;
                        }
                        long offset = page * pageSize;
                        job.offsets[job.count] = offset;
                        job.zero[job.count] = legacyZero && ZeroPages.isZero(block.memory().asSlice(offset, pageSize));
                        if (++job.count == packetPages) {
                            dispatch(job);
                            job = null;
                            reportNowAndThen();
                        }
                    }
                }
                if (job != null) {
                    dispatch(job);
                }
            }
        }

        private long lastReportNanos;

        /** Long rounds (a big bulk round) report progress about four times a second. */
        private void reportNowAndThen() {
            long now = System.nanoTime();
            if (now - lastReportNanos > 250_000_000L) {
                lastReportNanos = now;
                report();
            }
        }

        private Job acquireAnyJob() throws Failure.Stopped, InterruptedException {
            int n = channels.size();
            while (true) {
                for (int i = 0; i < n; i++) {
                    SendChannel c = channels.get((nextChannel + i) % n);
                    Job j = c.free.poll();
                    if (j != null) {
                        nextChannel = (c.index + 1) % n;
                        return j;
                    }
                }
                failure.check();
                Job j = channels.get(nextChannel).free.poll(20, TimeUnit.MILLISECONDS);
                if (j != null) {
                    nextChannel = (nextChannel + 1) % n;
                    return j;
                }
            }
        }

        private Job acquireJob(SendChannel c) throws Failure.Stopped, InterruptedException {
            while (true) {
                failure.check();
                Job j = c.free.poll(20, TimeUnit.MILLISECONDS);
                if (j != null) {
                    return j;
                }
            }
        }

        private void dispatch(Job job) {
            if (!job.channel.work.offer(job)) {
                throw new IllegalStateException("channel queue overflow"); // cannot happen: queue holds all jobs
            }
        }

        /** Closes the round: a SYNC on every channel, then wait until every channel has written it. */
        private void syncRound() throws Failure.Stopped, InterruptedException {
            marker(Wire.PACKET_SYNC);
        }

        private void endChannels() throws Failure.Stopped, InterruptedException {
            marker(Wire.PACKET_END);
        }

        private void marker(int type) throws Failure.Stopped, InterruptedException {
            for (SendChannel c : channels) {
                Job j = acquireJob(c);
                j.type = type;
                // END carries the number of rounds, i.e. the round the destination would receive next.
                j.round = type == Wire.PACKET_END ? round + 1 : round;
                j.count = 0;
                dispatch(j);
            }
            for (SendChannel c : channels) {
                while (!c.markersWritten.tryAcquire(20, TimeUnit.MILLISECONDS)) {
                    failure.check();
                }
            }
            failure.check();
        }

        /** One data channel: its sender thread, method state and buffers (allocated once here). */
        private final class SendChannel {
            final int index;
            final Connection conn;
            final ChannelContext context;
            ChannelSender sender; // created and closed on this channel's own thread (methods may use confined arenas)
            final ArrayBlockingQueue<Job> free = new ArrayBlockingQueue<>(2);
            final ArrayBlockingQueue<Job> work = new ArrayBlockingQueue<>(2);
            final Semaphore markersWritten = new Semaphore(0);
            final ByteBuffer header = ByteBuffer.allocateDirect(Wire.HEADER_SIZE).order(ByteOrder.BIG_ENDIAN);
            final ByteBuffer offsets;
            final List<MemorySegment> normal;
            final List<MemorySegment> out = new ArrayList<>();
            ByteBuffer[] iov;
            long sequence;
            volatile MethodStatistics statistics = MethodStatistics.EMPTY;

            SendChannel(int index, Connection conn, ChannelContext context) {
                this.index = index;
                this.conn = conn;
                this.context = context;
                int packetPages = params.packetPages();
                this.offsets = ByteBuffer.allocateDirect(packetPages * 8).order(ByteOrder.BIG_ENDIAN);
                this.normal = new ArrayList<>(packetPages);
                this.iov = new ByteBuffer[packetPages + 2];
                free.add(new Job(this, packetPages));
                free.add(new Job(this, packetPages));
            }

            void run() {
                try {
                    sender = params.method().newSender(context);
                } catch (RuntimeException e) {
                    failure.fail(Cause.METHOD, index, "channel " + index + ": method " + params.methodName()
                            + " cannot set up: " + Failure.describe(e));
                    return;
                }
                try {
                    while (true) {
                        Job job = work.take();
                        switch (job.type) {
                            case Wire.PACKET_DATA -> sendData(job);
                            case Wire.PACKET_SYNC, Wire.PACKET_END -> {
                                writeHeader(job.type, job.round, 0, 0, 0, 0);
                                header.flip();
                                limiter.acquire(Wire.HEADER_SIZE);
                                conn.writeFully(header);
                                statistics = sender.statistics(); // once per round, not per packet
                                markersWritten.release();
                            }
                            default -> throw new IllegalStateException("job type " + job.type);
                        }
                        int type = job.type;
                        free.put(job);
                        if (type == Wire.PACKET_END) {
                            return;
                        }
                    }
                } catch (InterruptedException e) {
                    // torn down
                } catch (IOException e) {
                    failure.failAfterGrace(Cause.CONNECTION, index, "channel " + index + ", packet " + sequence + ": "
                            + Failure.describe(e));
                } catch (RuntimeException e) {
                    if (!failure.isSet()) {
                        LOG.log(System.Logger.Level.ERROR, "channel " + index + " failed", e);
                    }
                    failure.fail(Cause.INTERNAL, index, "channel " + index + ", packet " + sequence + ": " + e);
                } finally {
                    closeSender();
                }
            }

            private void writeHeader(int type, long round, int block, int normalCount, int zeroCount, long payload) {
                header.clear();
                header.putInt(Wire.MAGIC_PACKET).putShort((short) Wire.VERSION).putShort((short) type)
                        .putLong(sequence++).putLong(round).putInt(block).putInt(normalCount).putInt(zeroCount)
                        .putLong(payload);
            }

            private void sendData(Job job) throws IOException, InterruptedException {
                RamBlock block = guest.blocks().get(job.blockIndex);
                int pageSize = params.pageSize();
                ZeroPageMode mode = params.zeroPageMode();
                normal.clear();
                offsets.clear();
                // Normal pages' offsets first, then the zero pages' (two passes over the batch, no extra arrays).
                int zeroCount = 0;
                for (int i = 0; i < job.count; i++) {
                    MemorySegment page = block.memory().asSlice(job.offsets[i], pageSize);
                    boolean zero = switch (mode) {
                        case NONE -> false;
                        case LEGACY -> job.zero[i];
                        case MULTIFD -> ZeroPages.isZero(page);
                    };
                    job.zero[i] = zero;
                    if (zero) {
                        zeroCount++;
                    } else {
                        normal.add(page);
                        offsets.putLong(job.offsets[i]);
                    }
                }
                for (int i = 0; i < job.count; i++) {
                    if (job.zero[i]) {
                        offsets.putLong(job.offsets[i]);
                    }
                }
                offsets.flip();
                out.clear();
                long payload = normal.isEmpty() ? 0 : sender.encode(normal, out);
                long sum = 0;
                for (MemorySegment s : out) {
                    sum += s.byteSize();
                }
                if (sum != payload) {
                    throw new IllegalStateException("method " + params.methodName() + " returned " + payload
                            + " bytes but segments of " + sum);
                }
                writeHeader(Wire.PACKET_DATA, job.round, job.blockIndex, normal.size(), zeroCount, payload);
                header.flip();
                if (iov.length < out.size() + 2) {
                    iov = new ByteBuffer[out.size() + 2];
                }
                iov[0] = header;
                iov[1] = offsets;
                for (int i = 0; i < out.size(); i++) {
                    iov[i + 2] = out.get(i).asByteBuffer();
                }
                limiter.acquire(Wire.HEADER_SIZE + offsets.remaining() + payload);
                conn.writeFully(iov, out.size() + 2);
                for (int i = 2; i < out.size() + 2; i++) {
                    iov[i] = null;
                }
                normalPages.add(normal.size());
                zeroPages.add(zeroCount);
                compressedBytes.add(payload);
                pagesDone.add(job.count);
            }

            void closeSender() {
                try {
                    statistics = sender.statistics();
                    sender.close();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "closing channel " + index + " sender: " + e);
                }
            }
        }
    }

    @FunctionalInterface
    private interface ChannelContextFactory {
        ChannelContext of(int index);
    }
}
