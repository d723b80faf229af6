package io.jmultifd.multifd;

import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.RamBlock;
import io.jmultifd.multifd.method.NoneMethod;
import io.jmultifd.multifd.transport.Connection;
import io.jmultifd.multifd.transport.Transport;
import io.jmultifd.multifd.wire.MessageReader;
import io.jmultifd.multifd.wire.MessageWriter;
import io.jmultifd.multifd.wire.Wire;
import io.jmultifd.multifd.wire.WireException;
import io.jmultifd.spi.ChannelContext;
import io.jmultifd.spi.ChannelReceiver;
import io.jmultifd.spi.CorruptPayloadException;
import io.jmultifd.spi.MethodStatistics;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The receiving side: accepts one migration, validates every byte before it is used, and decodes straight
 * into the destination pages (receiver threads {@code jmultifd-recv-N}). The migration COMPLETES only when
 * the per-block checksums match the source's. Any bad input fails it with a message naming the channel and
 * the packet. {@link #close()} releases the received memory.
 */
public final class MigrationDestination implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(MigrationDestination.class.getName());

    private final MigrationParameters local;
    private final BlockFactory blockFactory;
    private final CountDownLatch listening = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);
    private final AtomicLong activity = new AtomicLong();
    private final List<Connection> connections = new CopyOnWriteArrayList<>();
    private final EngineThreads threads = new EngineThreads();
    private final Failure failure = new Failure(this::farewell, this::teardown, threads);
    private final LongAdder normalPages = new LongAdder();
    private final LongAdder zeroPages = new LongAdder();
    private final LongAdder compressedBytes = new LongAdder();
    private volatile Transport.Listener listener;
    private volatile Integer boundPort;
    private volatile GuestMemory received;
    private volatile Thread mainThread;
    private volatile boolean started;
    private volatile long stopCopyNanos;
    private volatile boolean handshakeDone; // after ACCEPT, the source reads ERROR messages
    private final List<ReceiveChannel> channels = new ArrayList<>();
    private long[][] roundBitmaps;
    private static final java.lang.invoke.VarHandle WORD =
            java.lang.invoke.MethodHandles.arrayElementVarHandle(long[].class);
    private CyclicBarrier barrier;
    private volatile long appliedRound;
    private ProgressListener progress = ProgressListener.NONE;

    /** Receives into anonymous memory, backed up front when {@code prealloc=true}. */
    public MigrationDestination(MigrationParameters local) {
        this(local, local.prealloc() ? BlockFactory.PREALLOCATED : BlockFactory.ANONYMOUS);
    }

    /** @param blockFactory allocates the received blocks (e.g. a file mapping for {@code --output}) */
    public MigrationDestination(MigrationParameters local, BlockFactory blockFactory) {
        this.local = local;
        this.blockFactory = blockFactory;
    }

    /** The received guest (null before the block list arrived). */
    public GuestMemory received() {
        return received;
    }

    /** The port listened on, once listening (TCP port 0 resolves here). */
    public Optional<Integer> boundPort() {
        return Optional.ofNullable(boundPort);
    }

    /** Waits until the destination listens and returns the port. */
    public int awaitListening() throws InterruptedException {
        listening.await();
        Integer p = boundPort;
        if (p == null) {
            throw new IllegalStateException("the destination stopped before listening: "
                    + (failure.get() == null ? "unknown" : failure.get().message()));
        }
        return p;
    }

    /** Cancels from any thread: closes the listening socket and every channel; receive() returns CANCELLED. */
    public void cancel() {
        failure.set(MigrationStatus.CANCELLED, "cancelled");
    }

    /** Cancels a migration still running, waits for receive() to return, then frees the received memory. */
    @Override
    public void close() {
        cancel();
        if (started) {
            try {
                finished.await(); // receive() joins its threads before it returns: nobody writes the pages then
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return; // leave the memory alive rather than free it under a running receiver
            }
        }
        GuestMemory g = received;
        received = null;
        if (g != null) {
            g.close();
        }
    }

    private void teardown() {
        Transport.Listener l = listener;
        if (l != null) {
            l.close();
        }
        for (Connection c : connections) {
            c.close();
        }
        CyclicBarrier b = barrier;
        if (b != null) {
            b.reset();
        }
        threads.interruptAll();
        Thread m = mainThread;
        if (m != null && m != Thread.currentThread()) {
            m.interrupt();
        }
        listening.countDown();
    }

    private void report(Progress.Phase phase, long round) {
        long bytes = 0;
        for (Connection c : connections) {
            bytes += c.bytesRead();
        }
        GuestMemory g = received;
        try {
            progress.onProgress(new Progress(phase, round, bytes, g == null ? 0 : g.totalBytes(), 0, 0));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "progress listener threw " + e);
        }
    }

    /** On its own thread: waits until every channel has ended, then computes the received blocks' checksums. */
    private void checksumWhenReceived(CompletableFuture<long[]> result, Watchdog watchdog) {
        try {
            for (ReceiveChannel c : channels) {
                while (!c.done.await(20, TimeUnit.MILLISECONDS)) {
                    if (failure.isSet()) {
                        result.cancel(false);
                        return;
                    }
                }
            }
            if (failure.isSet()) {
                result.cancel(false);
                return;
            }
            List<RamBlock> blocks = received.blocks();
            long[] crc = new long[blocks.size()];
            for (int i = 0; i < crc.length; i++) {
                crc[i] = blocks.get(i).checksum();
                watchdog.touch();
            }
            result.complete(crc);
        } catch (InterruptedException e) {
            result.cancel(false); // torn down
        } catch (RuntimeException e) {
            result.completeExceptionally(e);
        }
    }

    /** Accepts one migration on {@code listen} and returns when it is done, failed or cancelled. */
    public MigrationResult receive(Endpoint listen, ProgressListener listener) {
        synchronized (this) {
            if (started) {
                throw new IllegalStateException("a destination accepts one migration");
            }
            started = true;
        }
        try {
            return receiveOnce(listen, listener);
        } finally {
            finished.countDown();
        }
    }

    private MigrationResult receiveOnce(Endpoint listen, ProgressListener listener) {
        this.progress = listener == null ? ProgressListener.NONE : listener;
        mainThread = Thread.currentThread();
        long startNanos = System.nanoTime();
        long startCpu = EngineThreads.currentThreadCpuNanos();
        long setupNanos = 0;
        long verdictNanos = 0;
        boolean checksumMatch = false;
        long rounds = 0;
        Watchdog watchdog = null;
        try {
            failure.check();
            listener(listen);
            Connection main = new Connection(this.listener.accept(), activity);
            // The migration starts when the source connects; the wait before it is no part of its times.
            startNanos = System.nanoTime();
            connections.add(main);
            failure.check();
            watchdog = new Watchdog(activity, local.peerTimeoutMs(), failure);
            threads.start("jmultifd-dst-watchdog", watchdog::run);
            MessageReader r = new MessageReader(main);
            long sessionId = handshake(main, r);
            setupNanos = System.nanoTime() - startNanos;
            acceptChannels(sessionId);
            this.listener.close(); // one migration: the port is free again
            report(Progress.Phase.BULK, 0);
            for (ReceiveChannel c : channels) {
                threads.start("jmultifd-recv-" + c.index, c::run);
            }
            // The received memory is final once every channel has read END, which the source sends before it
            // computes its own checksums: computing ours from then on overlaps the two (both are downtime).
            CompletableFuture<long[]> localChecksums = new CompletableFuture<>();
            Watchdog verifyWatchdog = watchdog;
            threads.start("jmultifd-dst-verify", () -> checksumWhenReceived(localChecksums, verifyWatchdog));
            // The main stream: stop-and-copy notice, then completion with the source's checksums.
            long[] sourceCrc;
            while (true) {
                int type = r.u8("main channel message");
                if (type == Wire.MSG_STOP_COPY) {
                    stopCopyNanos = System.nanoTime();
                } else if (type == Wire.MSG_ERROR) {
                    failure.set(MigrationStatus.FAILED, "source failed: " + r.str("source error"));
                    failure.check();
                } else if (type == Wire.MSG_COMPLETE) {
                    rounds = r.u64("round count");
                    long n = r.u32("checksum count");
                    if (n != received.blocks().size()) {
                        throw new WireException("main channel: completion carries " + n + " checksums for "
                                + received.blocks().size() + " blocks");
                    }
                    sourceCrc = new long[(int) n];
                    for (int i = 0; i < n; i++) {
                        sourceCrc[i] = r.u64("checksum");
                    }
                    break;
                } else {
                    throw new WireException("main channel: unexpected message type " + type);
                }
            }
            for (ReceiveChannel c : channels) {
                while (!c.done.await(20, TimeUnit.MILLISECONDS)) {
                    failure.check();
                }
            }
            failure.check();
            for (ReceiveChannel c : channels) {
                if (c.round != rounds) {
                    throw new WireException("channel " + c.index + " ended after " + c.round
                            + " rounds, the source says " + rounds);
                }
            }
            report(Progress.Phase.VERIFY, rounds);
            List<String> mismatches = new ArrayList<>();
            List<RamBlock> blocks = received.blocks();
            long[] localCrc = failure.await(localChecksums, "computing the received checksums");
            for (int i = 0; i < blocks.size(); i++) {
                long crc = localCrc[i];
                if (crc != sourceCrc[i]) {
                    mismatches.add(String.format("block %s: source 0x%08x, destination 0x%08x",
                            blocks.get(i).name(), sourceCrc[i], crc));
                }
            }
            checksumMatch = mismatches.isEmpty();
            new MessageWriter().u8(Wire.MSG_VERDICT).u8(checksumMatch ? 1 : 0)
                    .str(checksumMatch ? "checksums match" : String.join("; ", mismatches)).send(main);
            verdictNanos = System.nanoTime();
            if (!checksumMatch) {
                failure.set(MigrationStatus.FAILED, "checksum mismatch: " + String.join("; ", mismatches));
            } else {
                report(Progress.Phase.COMPLETED, rounds);
            }
        } catch (Failure.Stopped e) {
            // reason recorded
        } catch (WireException e) {
            fail(e.getMessage());
        } catch (IOException e) {
            fail("main channel: " + Failure.describe(e));
        } catch (InterruptedException e) {
            failure.set(MigrationStatus.FAILED, "interrupted");
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "receive failed", e);
            fail("internal error: " + e);
        } finally {
            if (watchdog != null) {
                watchdog.stop();
            }
            boolean ok = checksumMatch && !failure.isSet();
            if (!ok && !failure.isSet()) {
                failure.set(MigrationStatus.FAILED, "failed");
            }
            failure.set(MigrationStatus.COMPLETED, SUCCESS);
            threads.joinAll();
            Thread.interrupted();
        }
        Failure.Reason reason = failure.get();
        MigrationStatus status = reason.message() == SUCCESS ? MigrationStatus.COMPLETED : reason.status();
        if (status != MigrationStatus.COMPLETED) {
            report(Progress.Phase.FAILED, rounds);
            LOG.log(System.Logger.Level.WARNING, "incoming migration " + status + ": " + reason.message());
        }
        long end = System.nanoTime();
        // As QEMU computes its final throughput: over the transfer time, i.e. without setup.
        double secs = Math.max(1e-9, (end - startNanos - setupNanos) / 1e9);
        long transferred = 0;
        for (Connection c : connections) {
            transferred += c.bytesRead() + c.bytesWritten();
        }
        MethodStatistics stats = MethodStatistics.EMPTY;
        for (ReceiveChannel c : channels) {
            stats = stats.plus(c.statistics);
        }
        long cpu = threads.cpuNanos() + EngineThreads.currentThreadCpuNanos() - startCpu;
        boolean completed = status == MigrationStatus.COMPLETED;
        return new MigrationResult(status, completed ? null : reason.message(), (end - startNanos) / 1_000_000L,
                setupNanos / 1_000_000L,
                completed && stopCopyNanos != 0 ? (verdictNanos - stopCopyNanos) / 1_000_000L : 0,
                transferred, normalPages.sum(), zeroPages.sum(), compressedBytes.sum(),
                transferred * 8 / 1e6 / secs, (normalPages.sum() + zeroPages.sum()) / secs,
                rounds, 0, local.methodName(), local.channels(), completed && checksumMatch,
                cpu / 1_000_000L, rounds, stats.counters());
    }

    private static final String SUCCESS = "\u0000completed";

    /** Fails and tells the source why (best effort: the source may be gone). */
    private void fail(String message) {
        failure.set(MigrationStatus.FAILED, message);
    }

    /**
     * Tells the source why the destination stops (the failure is claimed first, so the source's reaction,
     * closing its end, cannot overtake this reason), unless the source said it first.
     */
    private void farewell(Failure.Reason r) {
        Connection main = connections.isEmpty() ? null : connections.getFirst();
        if (main == null || !handshakeDone || r.message() == SUCCESS || r.message().startsWith("source failed")
                || r.message().startsWith("checksum mismatch")) { // the verdict already said so
            return;
        }
        try {
            new MessageWriter().u8(Wire.MSG_ERROR).str(r.message()).send(main);
        } catch (IOException ignored) {
            // the source may be gone; the failure stands anyway
        }
    }

    private void listener(Endpoint listen) throws IOException {
        try {
            Transport.Listener l = Transport.listen(listen);
            this.listener = l;
            boundPort = l.port();
            if (failure.isSet()) {
                l.close();
            }
        } finally {
            listening.countDown();
        }
    }

    private void refuse(Connection main, String why) throws Failure.Stopped {
        try {
            new MessageWriter().u32(Wire.MAGIC_MAIN).u16(Wire.VERSION).u8(Wire.MSG_REFUSE).str(why).send(main);
        } catch (IOException ignored) {
            // the source may be gone
        }
        failure.set(MigrationStatus.FAILED, why);
        failure.check();
    }

    private static String mismatch(String what, Object source, Object destination) {
        return what + " mismatch: source " + source + ", destination " + destination;
    }

    /** Reads and checks the handshake and block list; allocates the blocks; answers ACCEPT. */
    private long handshake(Connection main, MessageReader r) throws IOException, Failure.Stopped {
        long magic = r.u32("main channel hello");
        if (magic != (Wire.MAGIC_MAIN & 0xFFFFFFFFL)) {
            refuse(main, String.format("main channel: wrong magic 0x%08x (expected 0x%08x)", magic, Wire.MAGIC_MAIN));
        }
        int version = r.u16("main channel version");
        if (version != Wire.VERSION) {
            refuse(main, mismatch("version", version, Wire.VERSION));
        }
        long sessionId = r.u64("session id");
        int type = r.u8("handshake");
        if (type != Wire.MSG_HANDSHAKE) {
            refuse(main, "main channel: expected a handshake, got message type " + type);
        }
        long pageSize = r.u32("page size");
        int channelCount = r.u16("channel count");
        long packetPages = r.u32("packet pages");
        int zeroMode = r.u8("zero-page mode");
        String method = r.str("method name");
        int paramCount = r.u16("method parameter count");
        if (paramCount > Wire.MAX_METHOD_PARAMETERS) {
            refuse(main, "handshake: " + paramCount + " method parameters exceed the limit " + Wire.MAX_METHOD_PARAMETERS);
        }
        Map<String, String> sourceParams = new TreeMap<>();
        for (int i = 0; i < paramCount; i++) {
            sourceParams.put(r.str("method parameter name"), r.str("method parameter value"));
        }
        long blockCount = r.u32("block count");
        if (blockCount == 0 || blockCount > Wire.MAX_BLOCKS) {
            refuse(main, "handshake: block count " + blockCount + " outside 1.." + Wire.MAX_BLOCKS);
        }
        List<String> names = new ArrayList<>();
        List<Long> sizes = new ArrayList<>();
        for (int i = 0; i < blockCount; i++) {
            names.add(r.str("block name"));
            sizes.add(r.u64("block size"));
        }
        // Compare with our own parameters: any difference is refused, naming both values.
        if (pageSize != local.pageSize()) {
            refuse(main, mismatch("page size", pageSize, local.pageSize()));
        }
        if (channelCount != local.channels()) {
            refuse(main, mismatch("channel count", channelCount, local.channels()));
        }
        if (packetPages != local.packetPages()) {
            refuse(main, mismatch("packet-pages", packetPages, local.packetPages()));
        }
        ZeroPageMode[] modes = ZeroPageMode.values();
        String sourceZero = zeroMode < modes.length ? modes[zeroMode].wireName() : "code " + zeroMode;
        if (!sourceZero.equals(local.zeroPageMode().wireName())) {
            refuse(main, mismatch("zero-page mode", sourceZero, local.zeroPageMode().wireName()));
        }
        if (!method.equals(local.methodName())) {
            refuse(main, mismatch("method", method, local.methodName()));
        }
        Set<String> keys = new java.util.TreeSet<>(sourceParams.keySet());
        keys.addAll(local.methodHandshake().keySet());
        for (String k : keys) {
            String s = sourceParams.get(k);
            String d = local.methodHandshake().get(k);
            if (s == null || !s.equals(d)) {
                refuse(main, mismatch("method parameter " + k, s == null ? "(absent)" : s, d == null ? "(absent)" : d));
            }
        }
        // Block list: checked against the limits before anything is allocated.
        Set<String> seen = new HashSet<>();
        long total = 0;
        for (int i = 0; i < blockCount; i++) {
            String name = names.get(i);
            long size = sizes.get(i);
            if (name.isEmpty() || !seen.add(name)) {
                refuse(main, "block list: " + (name.isEmpty() ? "empty block name" : "duplicate block name " + name));
            }
            if (size <= 0 || size % local.pageSize() != 0) {
                refuse(main, "block " + name + ": size " + Long.toUnsignedString(size)
                        + " is not a positive multiple of the page size " + local.pageSize());
            }
            if (size > local.maxGuestSize() || (total += size) > local.maxGuestSize()) {
                refuse(main, "block " + name + ": size " + size + " brings the guest beyond max-guest-size "
                        + local.maxGuestSize());
            }
        }
        List<RamBlock> blocks = new ArrayList<>();
        try {
            for (int i = 0; i < blockCount; i++) {
                blocks.add(blockFactory.create(names.get(i), sizes.get(i), local.pageSize()));
            }
        } catch (RuntimeException | OutOfMemoryError | InternalError e) { // InternalError: a fault, e.g. prealloc
            blocks.forEach(RamBlock::close);
            refuse(main, "cannot allocate the guest: " + Failure.describe(e));
        }
        received = GuestMemory.of(blocks);
        roundBitmaps = new long[blocks.size()][];
        for (int i = 0; i < blocks.size(); i++) {
            roundBitmaps[i] = new long[(int) ((blocks.get(i).pageCount() + 63) / 64)];
        }
        barrier = new CyclicBarrier(local.channels(), this::nextRound);
        new MessageWriter().u32(Wire.MAGIC_MAIN).u16(Wire.VERSION).u8(Wire.MSG_ACCEPT).send(main);
        handshakeDone = true;
        return sessionId;
    }

    /** Runs once per round when every receiver has reached the round's SYNC: the next round may start. */
    private void nextRound() {
        // The barrier orders this with every receiver's next round.
        for (long[] bm : roundBitmaps) {
            java.util.Arrays.fill(bm, 0L);
        }
        appliedRound++;
        report(Progress.Phase.ITERATE, appliedRound);
    }

    private void acceptChannels(long sessionId) throws IOException, Failure.Stopped {
        ReceiveChannel[] byIndex = new ReceiveChannel[local.channels()];
        ByteBuffer hello = ByteBuffer.allocate(4 + 2 + 8 + 2);
        for (int n = 0; n < local.channels(); n++) {
            SocketChannel sc = listener.accept();
            Connection c = new Connection(sc, activity);
            connections.add(c);
            failure.check();
            hello.clear();
            c.readFully(hello, "channel hello");
            hello.flip();
            int magic = hello.getInt();
            int version = hello.getShort() & 0xFFFF;
            long session = hello.getLong();
            int index = hello.getShort() & 0xFFFF;
            String where = "data connection " + n;
            if (magic != Wire.MAGIC_CHANNEL) {
                throw new WireException(String.format("%s: wrong magic 0x%08x (expected 0x%08x)", where, magic, Wire.MAGIC_CHANNEL));
            }
            if (version != Wire.VERSION) {
                throw new WireException(where + ": " + mismatch("version", version, Wire.VERSION));
            }
            if (session != sessionId) {
                throw new WireException(where + ": belongs to another migration (session id differs)");
            }
            if (index >= byIndex.length || byIndex[index] != null) {
                throw new WireException(where + ": bad or duplicate channel index " + index);
            }
            byIndex[index] = new ReceiveChannel(index, c);
        }
        channels.addAll(List.of(byIndex));
    }

    /** One data channel: reads, validates and applies its packets. Buffers are allocated once here. */
    private final class ReceiveChannel {
        final int index;
        final Connection conn;
        // Method state and buffers are made and released on the channel's own thread (methods may use
        // confined arenas); they are allocated once, before the first packet.
        ChannelReceiver receiver;
        boolean raw;
        Arena arena;
        final ByteBuffer header = ByteBuffer.allocateDirect(Wire.HEADER_SIZE).order(ByteOrder.BIG_ENDIAN);
        final ByteBuffer offsets;
        MemorySegment payloadBuffer;
        final ByteBuffer[] scatter;
        final List<MemorySegment> targets;
        final CountDownLatch done = new CountDownLatch(1);
        long sequence;
        long round;
        volatile MethodStatistics statistics = MethodStatistics.EMPTY;

        ReceiveChannel(int index, Connection conn) {
            this.index = index;
            this.conn = conn;
            int packetPages = local.packetPages();
            this.offsets = ByteBuffer.allocateDirect(packetPages * 8).order(ByteOrder.BIG_ENDIAN);
            this.scatter = new ByteBuffer[packetPages];
            this.targets = new ArrayList<>(packetPages);
        }

        private String where() {
            return "channel " + index + ", packet " + sequence + ": ";
        }

        private void setUp() {
            int packetPages = local.packetPages();
            receiver = local.method().newReceiver(
                    new ChannelContext(index, local.pageSize(), packetPages, local.methodParameters()));
            raw = receiver instanceof NoneMethod.Receiver;
            arena = Arena.ofConfined();
            long maxPayload = receiver.maxPayloadSize(packetPages);
            if (maxPayload < 0) {
                throw new IllegalStateException("method " + local.methodName() + " reports a negative maxPayloadSize");
            }
            payloadBuffer = raw ? null : arena.allocate(Math.max(1, maxPayload), 64);
        }

        void run() {
            try {
                setUp();
            } catch (RuntimeException | OutOfMemoryError e) {
                fail("channel " + index + ": method " + local.methodName() + " cannot set up: " + Failure.describe(e));
                closeReceiver();
                done.countDown();
                return;
            }
            try {
                while (true) {
                    if (!packet()) {
                        break;
                    }
                    sequence++;
                }
            } catch (WireException | CorruptPayloadException e) {
                fail(where() + e.getMessage());
            } catch (IOException e) {
                failure.setAfterGrace(MigrationStatus.FAILED, where() + Failure.describe(e));
            } catch (InterruptedException | BrokenBarrierException e) {
                // torn down
            } catch (InternalError e) {
                // A Java access to destination memory that faulted (SIGBUS): a file-backed block whose disk could
                // not back a page. Failing here also keeps the checksum from reading those pages: a fault inside
                // an intrinsic or native code ends the JVM. The reservation of --output files prevents it.
                fail(where() + "the received memory faulted (" + e.getMessage() + "); a file-backed block whose "
                        + "file system is full?");
            } catch (RuntimeException e) {
                if (!failure.isSet()) {
                    LOG.log(System.Logger.Level.ERROR, "channel " + index + " failed", e);
                }
                fail(where() + e);
            } finally {
                closeReceiver();
                done.countDown();
            }
        }

        /** Reads one packet; false after END. */
        private boolean packet() throws IOException, CorruptPayloadException, InterruptedException, BrokenBarrierException {
            header.clear();
            conn.readFully(header, "the packet header");
            header.flip();
            int magic = header.getInt();
            int version = header.getShort() & 0xFFFF;
            int type = header.getShort() & 0xFFFF;
            long seq = header.getLong();
            long pktRound = header.getLong();
            long block = header.getInt() & 0xFFFFFFFFL;
            long normal = header.getInt() & 0xFFFFFFFFL;
            long zero = header.getInt() & 0xFFFFFFFFL;
            long payload = header.getLong();
            if (magic != Wire.MAGIC_PACKET) {
                throw new WireException(String.format("wrong magic 0x%08x (expected 0x%08x)", magic, Wire.MAGIC_PACKET));
            }
            if (version != Wire.VERSION) {
                throw new WireException(mismatch("version", version, Wire.VERSION));
            }
            if (seq != sequence) {
                throw new WireException("sequence number " + Long.toUnsignedString(seq) + " (expected " + sequence + ")");
            }
            if (pktRound != round) {
                throw new WireException(Wire.typeName(type) + " for round " + Long.toUnsignedString(pktRound)
                        + " while receiving round " + round);
            }
            switch (type) {
                case Wire.PACKET_SYNC, Wire.PACKET_END -> {
                    if (block != 0 || normal != 0 || zero != 0 || payload != 0) {
                        throw new WireException(Wire.typeName(type) + " packet with pages or payload");
                    }
                    if (type == Wire.PACKET_END) {
                        return false;
                    }
                    // Wait for every channel to finish this round, so no older copy lands after a newer one.
                    barrier.await();
                    round++;
                    return true;
                }
                case Wire.PACKET_DATA -> {
                    data(block, normal, zero, payload);
                    return true;
                }
                default -> throw new WireException("unknown packet type " + type);
            }
        }

        private void data(long blockIndex, long normal, long zero, long payload)
                throws IOException, CorruptPayloadException {
            List<RamBlock> blocks = received.blocks();
            int pageSize = local.pageSize();
            if (blockIndex >= blocks.size()) {
                throw new WireException("block index " + blockIndex + " beyond the " + blocks.size() + " blocks");
            }
            long count = normal + zero;
            if (count == 0 || count > local.packetPages()) {
                throw new WireException("page count " + normal + " + " + zero + " outside 1..packet-pages ("
                        + local.packetPages() + ")");
            }
            if (raw) {
                if (payload != normal * pageSize) {
                    throw new WireException("payload length " + Long.toUnsignedString(payload) + " for " + normal
                            + " raw pages (expected " + normal * pageSize + ")");
                }
            } else {
                long max = normal == 0 ? 0 : receiver.maxPayloadSize((int) normal);
                if (payload < 0 || payload > max || payload > payloadBuffer.byteSize()) {
                    throw new WireException("payload length " + Long.toUnsignedString(payload) + " exceeds the limit "
                            + max + " for " + normal + " pages of method " + local.methodName());
                }
            }
            RamBlock block = blocks.get((int) blockIndex);
            offsets.clear().limit((int) count * 8);
            conn.readFully(offsets, "the page offsets");
            offsets.flip();
            long[] seen = roundBitmaps[(int) blockIndex];
            for (int i = 0; i < count; i++) {
                long off = offsets.getLong(i * 8);
                if (off < 0 || off >= block.size()) {
                    throw new WireException(String.format("page offset 0x%x beyond block %s (size %d)",
                            off, block.name(), block.size()));
                }
                if ((off & (pageSize - 1)) != 0) {
                    throw new WireException(String.format("page offset 0x%x in block %s is not page aligned (%d)",
                            off, block.name(), pageSize));
                }
                long page = off / pageSize;
                long mask = 1L << (page & 63);
                if ((((long) WORD.getAndBitwiseOr(seen, (int) (page >>> 6), mask)) & mask) != 0) {
                    throw new WireException(String.format("page offset 0x%x of block %s sent twice in round %d",
                            off, block.name(), round));
                }
            }
            targets.clear();
            for (int i = 0; i < normal; i++) {
                targets.add(block.memory().asSlice(offsets.getLong(i * 8), pageSize));
            }
            if (normal > 0) {
                if (raw) {
                    // `none`: scatter-read straight into the destination pages, no buffer in between.
                    for (int i = 0; i < normal; i++) {
                        scatter[i] = targets.get(i).asByteBuffer();
                    }
                    conn.readFully(scatter, (int) normal, "the payload");
                    ((NoneMethod.Receiver) receiver).countRaw((int) normal);
                } else {
                    MemorySegment pl = payloadBuffer.asSlice(0, payload);
                    conn.readFully(pl.asByteBuffer(), "the payload");
                    receiver.decode(pl, targets);
                }
            }
            for (int i = (int) normal; i < count; i++) {
                MemorySegment page = block.memory().asSlice(offsets.getLong(i * 8), pageSize);
                // Only write pages that are not zero already: a fresh destination stays untouched (and unfaulted).
                if (!ZeroPages.isZero(page)) {
                    page.fill((byte) 0);
                }
            }
            normalPages.add(normal);
            zeroPages.add(zero);
            compressedBytes.add(payload);
        }

        void closeReceiver() {
            if (receiver != null) {
                try {
                    statistics = receiver.statistics();
                    receiver.close();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "closing channel " + index + " receiver: " + e);
                }
            }
            if (arena != null) {
                arena.close();
            }
        }
    }
}
