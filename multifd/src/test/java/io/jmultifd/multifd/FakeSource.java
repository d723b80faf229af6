package io.jmultifd.multifd;

import io.jmultifd.multifd.wire.MessageWriter;
import io.jmultifd.multifd.wire.Wire;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Hand-crafts the byte streams of a source, to feed a real destination good and bad input. */
final class FakeSource implements AutoCloseable {
    static final long SESSION = 0x1234_5678_9abc_def0L;
    final SocketChannel main;
    SocketChannel data;

    FakeSource(int port) throws IOException {
        main = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
    }

    /** hello + handshake for the given parameters and blocks (name, size pairs). */
    static MessageWriter handshake(int version, MigrationParameters p, Object... blocks) {
        MessageWriter w = new MessageWriter().u32(Wire.MAGIC_MAIN).u16(version).u64(SESSION)
                .u8(Wire.MSG_HANDSHAKE).u32(p.pageSize()).u16(p.channels()).u32(p.packetPages())
                .u8(p.zeroPageMode().ordinal()).str(p.methodName());
        Map<String, String> mp = p.methodHandshake();
        w.u16(mp.size());
        mp.forEach((k, v) -> w.str(k).str(v));
        w.u32(blocks.length / 2);
        for (int i = 0; i < blocks.length; i += 2) {
            w.str((String) blocks[i]).u64((Long) blocks[i + 1]);
        }
        return blocks.length == 0 ? w : w.u8(p.freePageHint() ? 1 : 0).u8(p.capabilities().bits());
    }

    void send(SocketChannel ch, byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    void sendMain(MessageWriter w) throws IOException {
        send(main, w.toBytes());
    }

    /** Reads the destination's answer to the handshake: 2 = ACCEPT, 3 = REFUSE (+ reason). */
    String readAnswer() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(7);
        readFully(main, b);
        b.flip();
        if (b.getInt() != Wire.MAGIC_MAIN) {
            throw new IOException("bad magic from destination");
        }
        b.getShort();
        int type = b.get();
        if (type == Wire.MSG_ACCEPT) {
            return "ACCEPT";
        }
        return "REFUSE " + readString(main);
    }

    /** Reads what the destination sent on the main channel next (ERROR/VERDICT), or "EOF". */
    String readMessage() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(1);
        if (!tryReadFully(main, b)) {
            return "EOF";
        }
        int type = b.get(0);
        if (type == Wire.MSG_ERROR) {
            return "ERROR " + readString(main);
        }
        if (type == Wire.MSG_VERDICT || type == Wire.MSG_MEMORY_CHECKED) {
            ByteBuffer m = ByteBuffer.allocate(1);
            readFully(main, m);
            return (type == Wire.MSG_VERDICT ? "VERDICT " : "MEMORY_CHECKED ") + m.get(0) + " " + readString(main);
        }
        return "type " + type;
    }

    private static String readString(SocketChannel ch) throws IOException {
        ByteBuffer len = ByteBuffer.allocate(2);
        readFully(ch, len);
        ByteBuffer s = ByteBuffer.allocate(len.getShort(0) & 0xFFFF);
        readFully(ch, s);
        return new String(s.array(), StandardCharsets.UTF_8);
    }

    private static void readFully(SocketChannel ch, ByteBuffer b) throws IOException {
        if (!tryReadFully(ch, b)) {
            throw new IOException("EOF");
        }
    }

    private static boolean tryReadFully(SocketChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            try {
                if (ch.read(b) < 0) {
                    return false;
                }
            } catch (IOException e) {
                return false; // reset by the destination counts as closed
            }
        }
        return true;
    }

    /** Opens data channel {@code index} and sends its hello. */
    void openData(int port, int index) throws IOException {
        data = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
        send(data, new MessageWriter().u32(Wire.MAGIC_CHANNEL).u16(Wire.VERSION).u64(SESSION).u16(index).toBytes());
    }

    static MessageWriter header(int magic, int version, int type, long seq, long round, int block, long normal,
                                long zero, long payload) {
        return new MessageWriter().u32(magic).u16(version).u16(type).u64(seq).u64(round).u32(block)
                .u32(normal).u32(zero).u64(payload);
    }

    static MessageWriter header(int type, long seq, long round, int block, long normal, long zero, long payload) {
        return header(Wire.MAGIC_PACKET, Wire.VERSION, type, seq, round, block, normal, zero, payload);
    }

    void sendData(MessageWriter w) throws IOException {
        send(data, w.toBytes());
    }

    @Override
    public void close() throws IOException {
        main.close();
        if (data != null) {
            data.close();
        }
    }
}
