package io.jmultifd.multifd.wire;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The source's handshake, after its {@link MainHello} on the main connection: what the destination needs to
 * decode the stream and allocate the guest. Integers keep their wire width ({@code pageSize} and
 * {@code packetPages} are u32, so a refusal can name the value the source really sent). {@link #encode} writes
 * the hello too (the source sends both with one write); the destination reads the hello on its own first (it
 * decides what the connection is), then {@link #decode} the rest.
 *
 * @param sessionId        ties the data channels to this migration
 * @param zeroPageMode     the code of the zero-page mode (the ordinal of {@code ZeroPageMode})
 * @param methodParameters the method parameters that decoding needs, at most {@link Wire#MAX_METHOD_PARAMETERS}
 * @param blocks           the guest's blocks, 1..{@link Wire#MAX_BLOCKS}
 * @param freePageHint     free-page-hint=on: FREE packets may come (a u8 1/0 after the blocks)
 * @param capabilities     postcopy-ram and postcopy-preempt ({@link Capabilities}, a u8 after free-page-hint)
 */
public record Handshake(long sessionId, long pageSize, int channels, long packetPages, int zeroPageMode,
                        String method, Map<String, String> methodParameters, List<Block> blocks,
                        boolean freePageHint, Capabilities capabilities)
        implements MainMessage {

    /** One RAM block as announced: its name and size in bytes (u64, checked by the destination). */
    public record Block(String name, long size) {}

    /** A handshake without capabilities. */
    public Handshake(long sessionId, long pageSize, int channels, long packetPages, int zeroPageMode, String method,
                     Map<String, String> methodParameters, List<Block> blocks, boolean freePageHint) {
        this(sessionId, pageSize, channels, packetPages, zeroPageMode, method, methodParameters, blocks, freePageHint,
                Capabilities.NONE);
    }

    public Handshake {
        methodParameters = Collections.unmodifiableMap(new LinkedHashMap<>(methodParameters));
        blocks = List.copyOf(blocks);
    }

    @Override
    public void encode(MessageWriter w) {
        new MainHello(Wire.VERSION, sessionId).encode(w);
        w.u8(Wire.MSG_HANDSHAKE).u32(pageSize).u16(channels).u32(packetPages).u8(zeroPageMode).str(method);
        w.u16(methodParameters.size());
        methodParameters.forEach((k, v) -> w.str(k).str(v));
        w.u32(blocks.size());
        for (Block b : blocks) {
            w.str(b.name()).u64(b.size());
        }
        w.u8(freePageHint ? 1 : 0);
        capabilities.encode(w);
    }

    /**
     * Reads the handshake that follows {@code hello}, field by field, and stops at the first one that breaks a
     * rule, before reading (or allocating for) the rest: a {@link Refusal} for another version, another message
     * type or a count beyond its limit; a {@link WireException} for a bad string.
     */
    public static Handshake decode(MainHello hello, MessageReader r) throws IOException {
        hello.checkVersion();
        long sessionId = hello.sessionId();
        int type = r.u8("handshake");
        if (type != Wire.MSG_HANDSHAKE) {
            throw new Refusal("main channel: expected a handshake, got message type " + type);
        }
        long pageSize = r.u32("page size");
        int channels = r.u16("channel count");
        long packetPages = r.u32("packet pages");
        int zeroMode = r.u8("zero-page mode");
        String method = r.str("method name");
        int paramCount = r.u16("method parameter count");
        if (paramCount > Wire.MAX_METHOD_PARAMETERS) {
            throw new Refusal("handshake: " + paramCount + " method parameters exceed the limit " + Wire.MAX_METHOD_PARAMETERS);
        }
        Map<String, String> params = new TreeMap<>();
        for (int i = 0; i < paramCount; i++) {
            params.put(r.str("method parameter name"), r.str("method parameter value"));
        }
        long blockCount = r.u32("block count");
        if (blockCount == 0 || blockCount > Wire.MAX_BLOCKS) {
            throw new Refusal("handshake: block count " + blockCount + " outside 1.." + Wire.MAX_BLOCKS);
        }
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < blockCount; i++) {
            blocks.add(new Block(r.str("block name"), r.u64("block size")));
        }
        int hint = r.u8("free-page-hint");
        if (hint > 1) {
            throw new Refusal("handshake: free-page-hint code " + hint + " is neither 0 (off) nor 1 (on)");
        }
        return new Handshake(sessionId, pageSize, channels, packetPages, zeroMode, method, params, blocks, hint == 1,
                Capabilities.decode(r));
    }
}
