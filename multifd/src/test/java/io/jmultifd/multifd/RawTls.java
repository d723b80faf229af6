package io.jmultifd.multifd;

import io.jmultifd.multifd.tls.TestPki.Issued;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.security.KeyStore;
import java.security.cert.Certificate;

/**
 * TLS peers made straight from the JDK, not from the engine: a client or server that presents a certificate the
 * engine would refuse to present (an expired one), or speaks only TLS 1.2. They stand for the other end.
 */
final class RawTls {
    private static final char[] PASSWORD = "test".toCharArray();

    private RawTls() {}

    /** A JDK context presenting {@code own} (null: none), trusting {@code ca}. */
    static SSLContext context(Issued own, Issued ca) throws Exception {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        if (own != null) {
            keys.setKeyEntry("own", own.keys().getPrivate(), PASSWORD, new Certificate[] {own.cert()});
        }
        kmf.init(keys, PASSWORD);
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry("ca", ca.cert());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(trusted);
        SSLContext c = SSLContext.getInstance("TLS");
        c.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return c;
    }

    /**
     * Connects to a destination on {@code port} with TLS version {@code protocol} only and shakes hands, then reads what it sends until it closes; returns the
     * session when the handshake completed (TLS 1.3: a refusal of the client's certificate comes after it), or
     * null when it failed.
     */
    static SSLSession connectAndHandshake(SSLContext c, int port, String protocol) throws IOException {
        try (SSLSocket s = (SSLSocket) c.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(30_000);
            s.setEnabledProtocols(new String[] {protocol});
            try {
                s.startHandshake();
                SSLSession session = s.getSession();
                s.getInputStream().read(); // the destination's answer, alert or close
                return session;
            } catch (IOException e) {
                return null;
            }
        }
    }

    /** A JDK TLS server that accepts one connection and shakes hands (whatever comes of it). */
    static final class Server implements AutoCloseable {
        private final SSLServerSocket server;
        private final Thread thread;

        Server(SSLContext c) throws IOException {
            server = (SSLServerSocket) c.getServerSocketFactory().createServerSocket(0, 1, InetAddress.getLoopbackAddress());
            thread = Thread.ofPlatform().daemon(true).name("test-tls-server").start(() -> {
                try (SSLSocket s = (SSLSocket) server.accept()) {
                    s.setSoTimeout(30_000);
                    s.startHandshake();
                    s.getInputStream().read();
                } catch (IOException e) {
                    // the source refused us: that is the point
                }
            });
        }

        int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws Exception {
            server.close();
            thread.join(30_000);
        }
    }
}
