package io.jmultifd.multifd;

import io.jmultifd.multifd.MigrationFailure.Cause;
import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.RamBlock;
import io.jmultifd.multifd.tls.TlsContext;
import io.jmultifd.multifd.tls.TlsException;
import io.jmultifd.multifd.transport.Connection;
import io.jmultifd.multifd.transport.Transport;
import io.jmultifd.multifd.postcopy.UserfaultfdProbe;
import io.jmultifd.multifd.wire.Capabilities;
import io.jmultifd.multifd.wire.DestinationHello;
import io.jmultifd.multifd.wire.Handshake;
import io.jmultifd.multifd.wire.HandshakeReply;
import io.jmultifd.multifd.wire.Refusal;
import io.jmultifd.multifd.wire.Wire;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongConsumer;

import static io.jmultifd.multifd.wire.Wire.mismatch;

/**
 * The destination's setup step, between the first connection and the first packet: through the
 * {@link Reception} it waits for a source's handshake, answers at once with its hello, refuses any difference
 * from the local parameters (naming both values) and any block list beyond the limits before allocating
 * anything, and allocates the guest; the reception then matches the data connections. A refusal is sent back
 * as REFUSE and ends the side.
 */
final class DestinationSetup {
    private final MigrationParameters local;
    private final BlockFactory blockFactory;
    private final Failure failure;
    private final List<Connection> connections;
    private boolean helloSent; // our hello goes before the answer, as soon as the handshake is read
    volatile UserfaultfdProbe userfaultfdProbe = UserfaultfdProbe.SYSTEM; // tests inject a failing one

    DestinationSetup(MigrationParameters local, BlockFactory blockFactory, Failure failure, List<Connection> connections) {
        this.local = local;
        this.blockFactory = blockFactory;
        this.failure = failure;
        this.connections = connections;
    }

    /**
     * The transport to listen with: TLS on every connection with {@code tls-creds}, whose credentials are loaded and
     * checked here; a problem with them fails the side (cause TLS) before it listens.
     */
    static Transport transport(Endpoint at, MigrationParameters local, Failure failure) throws Failure.Stopped {
        try {
            return Transport.of(at, TlsContext.forDestination(local.tls()));
        } catch (TlsException e) {
            failure.fail(Cause.TLS, e.getMessage());
            failure.check();
            throw new IllegalStateException("the side did not stop after a TLS failure", e);
        }
    }

    /**
     * Waits for a jmultifd source's complete handshake (its connection becomes the first of
     * {@code connections}; {@code connectedAt} is told when it connected), then answers with our hello at once:
     * the source knows from then on that a jmultifd destination works on its answer. A handshake that is
     * refused ends the side.
     */
    Reception.Candidate handshake(Reception reception, LongConsumer connectedAt)
            throws IOException, Failure.Stopped, InterruptedException {
        Reception.Candidate source;
        try {
            source = reception.awaitHandshake(failure, connections, connectedAt);
        } catch (Refusal e) {
            throw refuse(connections.getFirst(), e.getMessage());
        }
        new DestinationHello(Wire.VERSION).send(source.main());
        helloSent = true;
        String why = refusal(source.handshake());
        if (why != null) {
            throw refuse(source.main(), why);
        }
        return source;
    }

    /** The first difference from our parameters, or the first block beyond the limits; null when none. */
    private String refusal(Handshake hs) {
        if (hs.pageSize() != local.pageSize()) {
            return mismatch(MigrationParameters.PAGE_SIZE, hs.pageSize(), local.pageSize());
        }
        if (hs.channels() != local.channels()) {
            return mismatch(MigrationParameters.CHANNELS, hs.channels(), local.channels());
        }
        if (hs.packetPages() != local.packetPages()) {
            return mismatch(MigrationParameters.PACKET_PAGES, hs.packetPages(), local.packetPages());
        }
        ZeroPageMode[] modes = ZeroPageMode.values();
        int zeroMode = hs.zeroPageMode();
        String sourceZero = zeroMode < modes.length ? modes[zeroMode].wireName() : "code " + zeroMode;
        if (!sourceZero.equals(local.zeroPageMode().wireName())) {
            return mismatch(MigrationParameters.ZERO_PAGE, sourceZero, local.zeroPageMode().wireName());
        }
        if (!hs.method().equals(local.methodName())) {
            return mismatch(MigrationParameters.COMPRESSION, hs.method(), local.methodName());
        }
        if (hs.freePageHint() != local.freePageHint()) {
            return mismatch(MigrationParameters.FREE_PAGE_HINT, hs.freePageHint() ? "on" : "off",
                    local.freePageHint() ? "on" : "off");
        }
        String capabilities = capabilityRefusal(hs.capabilities(), local.capabilities());
        if (capabilities != null) {
            return capabilities;
        }
        Set<String> keys = new TreeSet<>(hs.methodParameters().keySet());
        keys.addAll(local.methodHandshake().keySet());
        for (String k : keys) {
            String s = hs.methodParameters().get(k);
            String d = local.methodHandshake().get(k);
            if (s == null || !s.equals(d)) {
                return mismatch(k, s == null ? "(absent)" : s, d == null ? "(absent)" : d);
            }
        }
        Set<String> seen = new HashSet<>();
        long limit = local.maxGuestSize();
        long total = 0;
        for (Handshake.Block b : hs.blocks()) {
            String name = b.name();
            long size = b.size();
            if (name.isEmpty() || !seen.add(name)) {
                return "block list: " + (name.isEmpty() ? "empty block name" : "duplicate block name " + name);
            }
            if (size <= 0 || size % local.pageSize() != 0) {
                return "block " + name + ": size " + Long.toUnsignedString(size)
                        + " is not a positive multiple of the page size " + local.pageSize();
            }
            if (size > limit - total) {
                return "block " + name + ": size " + size + " brings the guest beyond max-guest-size " + limit
                        + " (the source announced a guest of " + announced(hs) + " bytes)";
            }
            total += size;
        }
        return null;
    }

    /** A capability that differs; else, with postcopy-ram, why this destination cannot fault pages in (or null). */
    private String capabilityRefusal(Capabilities source, Capabilities destination) {
        if (source.postcopyRam() != destination.postcopyRam()) {
            return mismatch(MigrationParameters.POSTCOPY_RAM, onOff(source.postcopyRam()), onOff(destination.postcopyRam()));
        }
        if (source.postcopyPreempt() != destination.postcopyPreempt()) {
            return mismatch(MigrationParameters.POSTCOPY_PREEMPT, onOff(source.postcopyPreempt()),
                    onOff(destination.postcopyPreempt()));
        }
        return destination.postcopyRam() ? UserfaultfdProbe.refusal(userfaultfdProbe) : null;
    }

    private static String onOff(boolean on) {
        return on ? "on" : "off";
    }

    /** The whole guest the source announced (saturated at Long.MAX_VALUE), for the refusal. */
    private static long announced(Handshake hs) {
        long sum = 0;
        for (Handshake.Block b : hs.blocks()) {
            sum = b.size() > 0 ? Math.min(Long.MAX_VALUE - b.size(), sum) + b.size() : sum;
        }
        return sum;
    }

    /** Allocates the announced blocks; refuses when that fails (nothing stays allocated then). */
    GuestMemory allocate(Connection main, Handshake hs) throws Failure.Stopped {
        List<RamBlock> blocks = new ArrayList<>();
        try {
            for (Handshake.Block b : hs.blocks()) {
                blocks.add(blockFactory.create(b.name(), b.size(), local.pageSize()));
            }
        } catch (RuntimeException | OutOfMemoryError | InternalError e) { // InternalError: a fault, e.g. prealloc
            blocks.forEach(RamBlock::close);
            throw refuse(main, "cannot allocate the guest: " + Failure.describe(e));
        }
        if (local.capabilities().postcopyRam() && !blocks.stream().allMatch(RamBlock::anonymousMapping)) {
            blocks.forEach(RamBlock::close); // userfaultfd's missing mode registers anonymous private memory only
            throw refuse(main, "postcopy-ram needs the received guest in anonymous memory; a file mapping "
                    + "(incoming --output) cannot fault pages in: receive without --output");
        }
        return GuestMemory.of(blocks);
    }

    /** Answers REFUSE, after our hello unless it went already (best effort: the source may be gone), and ends the side. */
    private Failure.Stopped refuse(Connection main, String why) throws Failure.Stopped {
        try {
            if (!helloSent) {
                new DestinationHello(Wire.VERSION).send(main);
            }
            new HandshakeReply.Refuse(why).send(main);
        } catch (IOException ignored) {
            // the source may be gone
        }
        failure.fail(Cause.REFUSED, why);
        failure.check();
        throw new IllegalStateException("the side did not stop after a refusal");
    }
}
