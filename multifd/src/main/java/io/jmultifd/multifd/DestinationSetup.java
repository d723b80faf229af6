package io.jmultifd.multifd;

import io.jmultifd.multifd.MigrationFailure.Cause;
import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.RamBlock;
import io.jmultifd.multifd.transport.Connection;
import io.jmultifd.multifd.transport.Transport;
import io.jmultifd.multifd.wire.ChannelHello;
import io.jmultifd.multifd.wire.Handshake;
import io.jmultifd.multifd.wire.HandshakeReply;
import io.jmultifd.multifd.wire.MessageReader;
import io.jmultifd.multifd.wire.Refusal;
import io.jmultifd.multifd.wire.WireException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;

import static io.jmultifd.multifd.wire.Wire.mismatch;

/**
 * The destination's setup step, between accepting the main connection and the first packet: it reads the
 * source's handshake, refuses any difference from the local parameters (naming both values) and any block
 * list beyond the limits before allocating anything, allocates the guest, and accepts one data connection per
 * channel. A refusal is sent back as REFUSE and ends the side.
 */
final class DestinationSetup {
    private final MigrationParameters local;
    private final BlockFactory blockFactory;
    private final Failure failure;
    private final AtomicLong activity;
    private final List<Connection> connections;

    DestinationSetup(MigrationParameters local, BlockFactory blockFactory, Failure failure, AtomicLong activity,
                     List<Connection> connections) {
        this.local = local;
        this.blockFactory = blockFactory;
        this.failure = failure;
        this.activity = activity;
        this.connections = connections;
    }

    /** Reads and checks the hello and handshake; a refused one ends the side. */
    Handshake handshake(Connection main, MessageReader r) throws IOException, Failure.Stopped {
        Handshake hs;
        try {
            hs = Handshake.decode(r);
        } catch (Refusal e) {
            throw refuse(main, e.getMessage());
        }
        String why = refusal(hs);
        if (why != null) {
            throw refuse(main, why);
        }
        return hs;
    }

    /** The first difference from our parameters, or the first block beyond the limits; null when none. */
    private String refusal(Handshake hs) {
        if (hs.pageSize() != local.pageSize()) {
            return mismatch("page size", hs.pageSize(), local.pageSize());
        }
        if (hs.channels() != local.channels()) {
            return mismatch("channel count", hs.channels(), local.channels());
        }
        if (hs.packetPages() != local.packetPages()) {
            return mismatch("packet-pages", hs.packetPages(), local.packetPages());
        }
        ZeroPageMode[] modes = ZeroPageMode.values();
        int zeroMode = hs.zeroPageMode();
        String sourceZero = zeroMode < modes.length ? modes[zeroMode].wireName() : "code " + zeroMode;
        if (!sourceZero.equals(local.zeroPageMode().wireName())) {
            return mismatch("zero-page mode", sourceZero, local.zeroPageMode().wireName());
        }
        if (!hs.method().equals(local.methodName())) {
            return mismatch("method", hs.method(), local.methodName());
        }
        Set<String> keys = new TreeSet<>(hs.methodParameters().keySet());
        keys.addAll(local.methodHandshake().keySet());
        for (String k : keys) {
            String s = hs.methodParameters().get(k);
            String d = local.methodHandshake().get(k);
            if (s == null || !s.equals(d)) {
                return mismatch("method parameter " + k, s == null ? "(absent)" : s, d == null ? "(absent)" : d);
            }
        }
        Set<String> seen = new HashSet<>();
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
            if (size > local.maxGuestSize() || (total += size) > local.maxGuestSize()) {
                return "block " + name + ": size " + size + " brings the guest beyond max-guest-size " + local.maxGuestSize();
            }
        }
        return null;
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
        return GuestMemory.of(blocks);
    }

    /** Answers REFUSE (best effort: the source may be gone) and ends the side with the reason. */
    private Failure.Stopped refuse(Connection main, String why) throws Failure.Stopped {
        try {
            new HandshakeReply.Refuse(why).send(main);
        } catch (IOException ignored) {
            // the source may be gone
        }
        failure.fail(Cause.REFUSED, why);
        failure.check();
        throw new IllegalStateException("the side did not stop after a refusal");
    }

    /** Makes a data channel of the connection that said hello as channel {@code index}. */
    @FunctionalInterface
    interface ChannelFactory<C> {
        C create(int index, Connection connection);
    }

    /** Accepts one data connection per channel; each must belong to this session and name a free index. */
    <C> List<C> acceptChannels(Transport.Listener listener, long sessionId, ChannelFactory<C> factory)
            throws IOException, Failure.Stopped {
        List<C> byIndex = new ArrayList<>();
        for (int n = 0; n < local.channels(); n++) {
            byIndex.add(null);
        }
        for (int n = 0; n < local.channels(); n++) {
            Connection c = listener.accept(activity);
            connections.add(c);
            failure.check();
            String where = "data connection " + n;
            ChannelHello hello = ChannelHello.read(c, where);
            if (hello.sessionId() != sessionId) {
                throw new WireException(where + ": belongs to another migration (session id differs)");
            }
            int index = hello.index();
            if (index >= byIndex.size() || byIndex.get(index) != null) {
                throw new WireException(where + ": bad or duplicate channel index " + index);
            }
            byIndex.set(index, factory.create(index, c));
        }
        return byIndex;
    }
}
