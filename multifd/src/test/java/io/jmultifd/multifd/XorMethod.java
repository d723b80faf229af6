package io.jmultifd.multifd;

import io.jmultifd.spi.ChannelContext;
import io.jmultifd.spi.ChannelReceiver;
import io.jmultifd.spi.ChannelSender;
import io.jmultifd.spi.CompressionMethod;
import io.jmultifd.spi.CorruptPayloadException;
import io.jmultifd.spi.MethodParameters;
import io.jmultifd.spi.MethodStatistics;
import io.jmultifd.spi.TierStatus;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * TEST-ONLY method "test-xor": per page a u32 CRC32C of the encoded bytes, then the page XOR a key byte
 * (a handshake parameter). Exercises the engine's non-`none` path: the method's own buffer on the source,
 * payload buffer + decode on the destination, and a handshake parameter.
 */
public class XorMethod implements CompressionMethod {
    public static final String NAME = "test-xor";
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN);

    @Override public String name() { return NAME; }
    @Override public String description() { return "test only: pages XOR a key, with a CRC per page"; }
    @Override public Map<String, String> parameterDefaults() { return Map.of(keyParameter(), "90"); }

    /** The key's parameter: each method's parameters have names of their own. */
    protected String keyParameter() { return "test-xor-key"; }

    private byte key(MethodParameters p) { return (byte) p.getInt(keyParameter(), 90, 0, 255); }

    @Override
    public Map<String, String> handshakeParameters(MethodParameters p) {
        return Map.of(keyParameter(), Integer.toString(p.getInt(keyParameter(), 90, 0, 255)));
    }

    @Override public List<TierStatus> tiers() { return List.of(new TierStatus("java", true, "test")); }

    /** Which packet (0-based, per channel) the sender corrupts; -1 = none. */
    protected int faultPacket(MethodParameters p) { return -1; }

    @Override
    public ChannelSender newSender(ChannelContext c) {
        byte key = key(c.parameters());
        int faultAt = faultPacket(c.parameters());
        return new ChannelSender() {
            final Arena arena = Arena.ofConfined();
            final MemorySegment buf = arena.allocate((long) c.maxPagesPerPacket() * (c.pageSize() + 4), 8);
            int packets;
            long pages;

            @Override
            public long encode(List<MemorySegment> pageList, List<MemorySegment> out) {
                int ps = c.pageSize();
                long pos = 0;
                CRC32C crc = new CRC32C();
                for (MemorySegment page : pageList) {
                    MemorySegment dst = buf.asSlice(pos + 4, ps);
                    for (long i = 0; i < ps; i++) {
                        dst.set(ValueLayout.JAVA_BYTE, i, (byte) (page.get(ValueLayout.JAVA_BYTE, i) ^ key));
                    }
                    crc.reset();
                    crc.update(dst.asByteBuffer());
                    buf.set(U32, pos, (int) crc.getValue());
                    pos += ps + 4;
                }
                if (packets++ == faultAt) {
                    buf.set(ValueLayout.JAVA_BYTE, 4 + 17, (byte) (buf.get(ValueLayout.JAVA_BYTE, 4 + 17) ^ 1));
                }
                pages += pageList.size();
                out.add(buf.asSlice(0, pos));
                return pos;
            }

            @Override public MethodStatistics statistics() { return new MethodStatistics(Map.of("pages_xor", pages)); }
            @Override public void close() { arena.close(); }
        };
    }

    @Override
    public ChannelReceiver newReceiver(ChannelContext c) {
        byte key = key(c.parameters());
        return new ChannelReceiver() {
            long pages;

            @Override public long maxPayloadSize(int n) { return (long) n * (c.pageSize() + 4); }

            @Override
            public void decode(MemorySegment payload, List<MemorySegment> targets) throws CorruptPayloadException {
                int ps = c.pageSize();
                if (payload.byteSize() != (long) targets.size() * (ps + 4)) {
                    throw new CorruptPayloadException(-1, "payload of " + payload.byteSize() + " bytes for "
                            + targets.size() + " pages");
                }
                CRC32C crc = new CRC32C();
                for (int p = 0; p < targets.size(); p++) {
                    long pos = (long) p * (ps + 4);
                    MemorySegment enc = payload.asSlice(pos + 4, ps);
                    crc.reset();
                    crc.update(enc.asByteBuffer());
                    if ((int) crc.getValue() != payload.get(U32, pos)) {
                        throw new CorruptPayloadException(p, "CRC mismatch");
                    }
                    MemorySegment t = targets.get(p);
                    for (long i = 0; i < ps; i++) {
                        t.set(ValueLayout.JAVA_BYTE, i, (byte) (enc.get(ValueLayout.JAVA_BYTE, i) ^ key));
                    }
                }
                pages += targets.size();
            }

            @Override public MethodStatistics statistics() { return new MethodStatistics(Map.of("pages_xor", pages)); }
            @Override public void close() { }
        };
    }
}
