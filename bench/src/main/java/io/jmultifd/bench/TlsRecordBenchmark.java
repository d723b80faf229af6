package io.jmultifd.bench;

import io.jmultifd.multifd.Endpoint;
import io.jmultifd.multifd.tls.TlsContext;
import io.jmultifd.multifd.tls.TlsSettings;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What one core pays for TLS records with each TLS 1.3 cipher suite, to choose the suite (docs/tls.md): the engine's
 * own SSLEngines ({@link TlsContext}, provider SunJSSE) with throwaway credentials ({@link ThrowawayPki}, openssl),
 * the source's suites limited to {@code suite}, shaken hands in memory; one operation = one full record wrapped by
 * the source and unwrapped by the destination. A full record holds {@link #plaintextPerRecord} bytes of plaintext
 * (SunJSSE's limit, printed at setup; 16367 with JDK 25), so bytes/s = score x that, for encryption and decryption
 * together: what a migration's two ends on one machine pay per byte.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class TlsRecordBenchmark {
    /** Plaintext offered to one wrap: more than one TLS record can carry (16 KiB). */
    static final int OFFERED = 16384;

    @Param({"TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256"})
    public String suite;

    private SSLEngine source;
    private SSLEngine destination;
    private ByteBuffer plain;
    private ByteBuffer net;
    private ByteBuffer received;
    /** Plaintext bytes one full record carries, as the source's engine cuts them. */
    int plaintextPerRecord;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        // The credentials are needed only to build the engines: gone before the first measurement, whatever follows.
        try (ThrowawayPki pki = ThrowawayPki.create(Path.of(System.getProperty("java.io.tmpdir")))) {
            source = TlsContext.forSource(TlsSettings.parse(pki.source().toString(), "", "", true, "1.3"),
                    Endpoint.parse("tcp:127.0.0.1:1")).newEngine();
            destination = TlsContext.forDestination(TlsSettings.parse(pki.destination().toString(), "",
                    ThrowawayPki.CLIENT_DN, true, "1.3")).newEngine();
        }
        source.setEnabledCipherSuites(new String[] {suite});
        int packet = Math.max(source.getSession().getPacketBufferSize(), destination.getSession().getPacketBufferSize());
        net = ByteBuffer.allocateDirect(packet * 2);
        received = ByteBuffer.allocateDirect(destination.getSession().getApplicationBufferSize() * 2);
        handshake();
        String negotiated = destination.getSession().getCipherSuite();
        if (!negotiated.equals(suite)) throw new IllegalStateException("negotiated " + negotiated + ", not " + suite);
        byte[] bytes = new byte[OFFERED];
        new SplittableRandom(42).nextBytes(bytes);
        plain = ByteBuffer.allocateDirect(OFFERED).put(bytes).flip();
        plaintextPerRecord = source.wrap(plain, net.clear()).bytesConsumed();
        destination.unwrap(net.flip(), received.clear());
        plain = plain.rewind().limit(plaintextPerRecord).slice();
        System.out.println("plaintext per record: " + plaintextPerRecord + " bytes (" + suite + ")");
    }

    /** Both engines' handshake in memory, each one's records handed to the other. */
    private void handshake() throws SSLException {
        ByteBuffer toDestination = ByteBuffer.allocate(net.capacity() * 4);
        ByteBuffer toSource = ByteBuffer.allocate(net.capacity() * 4);
        source.beginHandshake();
        destination.beginHandshake();
        for (int i = 0; i < 1000 && (busy(source) || busy(destination)); i++) {
            step(source, toSource, toDestination);
            step(destination, toDestination, toSource);
        }
        if (busy(source) || busy(destination)) throw new IllegalStateException("the in-memory handshake did not finish");
    }

    private static boolean busy(SSLEngine e) {
        HandshakeStatus h = e.getHandshakeStatus();
        return h != HandshakeStatus.NOT_HANDSHAKING && h != HandshakeStatus.FINISHED;
    }

    private void step(SSLEngine e, ByteBuffer in, ByteBuffer out) throws SSLException {
        switch (e.getHandshakeStatus()) {
            case NEED_WRAP -> e.wrap(ByteBuffer.allocate(0), out);
            case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                in.flip();
                e.unwrap(in, received.clear());
                in.compact();
            }
            case NEED_TASK -> {
                for (Runnable t; (t = e.getDelegatedTask()) != null; ) t.run();
            }
            default -> { }
        }
    }

    @Benchmark
    public int record() throws SSLException {
        plain.rewind();
        net.clear();
        SSLEngineResult wrapped = source.wrap(plain, net);
        net.flip();
        received.clear();
        SSLEngineResult unwrapped = destination.unwrap(net, received);
        if (wrapped.bytesConsumed() != plaintextPerRecord || unwrapped.bytesProduced() != plaintextPerRecord) {
            throw new IllegalStateException("one record: wrapped " + wrapped + ", unwrapped " + unwrapped);
        }
        return unwrapped.bytesProduced();
    }
}
