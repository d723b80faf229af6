package io.jmultifd.multifd.tls;

import io.jmultifd.multifd.tls.Finding.Level;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code jmultifd tls-selftest DIR}: checks a credentials directory for the roles its files are for (a destination's
 * when it has server files, a source's when it has client files or no server files), says what is there and what is
 * wrong, and, when it holds both ends' files, runs a TLS handshake between them in memory, so that a directory
 * that passes is one that a migration will accept.
 */
public final class TlsSelfTest {
    private TlsSelfTest() {}

    /**
     * The findings for {@code dir}; {@code hostname} (null: the first host name of server-cert.pem) is the name the
     * in-memory handshake checks the server certificate against, as a source's tls-hostname.
     */
    public static List<Finding> check(Path dir, String hostname) {
        Set<Finding> findings = new LinkedHashSet<>();
        List<Finding> found = new ArrayList<>();
        boolean serverFiles = Files.exists(dir.resolve(TlsCredentials.SERVER_CERT))
                || Files.exists(dir.resolve(TlsCredentials.SERVER_KEY));
        boolean clientFiles = Files.exists(dir.resolve(TlsCredentials.CLIENT_CERT))
                || Files.exists(dir.resolve(TlsCredentials.CLIENT_KEY));
        TlsCredentials server = serverFiles ? TlsCredentials.inspect(dir, TlsContext.Role.DESTINATION, found) : null;
        TlsCredentials client = clientFiles || !serverFiles ? TlsCredentials.inspect(dir, TlsContext.Role.SOURCE, found) : null;
        findings.addAll(found);
        if (!serverFiles && Files.isDirectory(dir)) {
            findings.add(new Finding(Level.OK, TlsCredentials.SERVER_CERT, "absent: a source's directory, not a destination's"));
        }
        if (server != null && client != null && clientFiles) {
            findings.add(handshake(server, client, hostname));
        }
        return List.copyOf(findings);
    }

    /** A handshake between two engines in memory: the destination's credentials against the source's. */
    private static Finding handshake(TlsCredentials server, TlsCredentials client, String hostname) {
        X509Certificate serverCert = server.chain().getFirst();
        String host = hostname;
        if (host == null) {
            List<String> names = Certificates.hostNames(serverCert);
            host = names.isEmpty() ? "localhost" : names.getFirst().substring(names.getFirst().indexOf(':') + 1);
        }
        String what = "a TLS handshake in memory between " + TlsCredentials.SERVER_CERT + " and "
                + TlsCredentials.CLIENT_CERT + " for host name '" + host + "'";
        TlsContext s;
        TlsContext c;
        try {
            TlsSettings settings = TlsSettings.parse("selftest", host, "", true, "1.3");
            s = new TlsContext(TlsContext.Role.DESTINATION, settings, TlsContext.sslContext(server), null, -1);
            c = new TlsContext(TlsContext.Role.SOURCE, settings, TlsContext.sslContext(client), host, 1);
        } catch (TlsException | IllegalArgumentException e) {
            return new Finding(Level.ERROR, "handshake", what + ": " + e.getMessage());
        }
        SSLEngine se = s.newEngine();
        SSLEngine ce = c.newEngine();
        ByteBuffer toServer = ByteBuffer.allocate(ce.getSession().getPacketBufferSize() * 8);
        ByteBuffer toClient = ByteBuffer.allocate(se.getSession().getPacketBufferSize() * 8);
        ByteBuffer app = ByteBuffer.allocate(se.getSession().getApplicationBufferSize() * 2);
        TlsContext failing = c;
        try {
            ce.beginHandshake();
            se.beginHandshake();
            for (int i = 0; i < 1000 && (busy(ce) || busy(se)); i++) {
                failing = c;
                step(ce, toClient, toServer, app);
                failing = s;
                step(se, toServer, toClient, app);
            }
            if (busy(ce) || busy(se)) {
                return new Finding(Level.ERROR, "handshake", what + ": it did not finish");
            }
        } catch (SSLException e) {
            return new Finding(Level.ERROR, "handshake", what + " failed: " + failing.failure(e).getMessage());
        }
        return new Finding(Level.OK, "handshake", what + ": " + se.getSession().getProtocol() + " "
                + se.getSession().getCipherSuite());
    }

    private static boolean busy(SSLEngine e) {
        HandshakeStatus h = e.getHandshakeStatus();
        return h != HandshakeStatus.NOT_HANDSHAKING && h != HandshakeStatus.FINISHED;
    }

    private static void step(SSLEngine e, ByteBuffer in, ByteBuffer out, ByteBuffer app) throws SSLException {
        switch (e.getHandshakeStatus()) {
            case NEED_WRAP -> e.wrap(ByteBuffer.allocate(0), out);
            case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                in.flip();
                e.unwrap(in, app.clear());
                in.compact();
            }
            case NEED_TASK -> {
                for (Runnable t; (t = e.getDelegatedTask()) != null; ) {
                    t.run();
                }
            }
            default -> { }
        }
    }
}
