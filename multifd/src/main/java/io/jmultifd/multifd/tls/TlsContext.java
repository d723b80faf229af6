package io.jmultifd.multifd.tls;

import io.jmultifd.multifd.Endpoint;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.security.auth.x500.X500Principal;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * TLS for one side of one migration: the credentials of {@code tls-creds} loaded and checked once, and from them
 * an SSLEngine per connection (the transport runs it over the socket). The source checks the destination's
 * certificate against ca-cert.pem and {@code tls-hostname}; the destination requires a client certificate from
 * the same CA unless {@code tls-verify-peer=off}, and admits only the subjects of {@code tls-authz} when set.
 * Refusals come out in words ({@link #failure}). Says once per side at INFO what was negotiated.
 */
public final class TlsContext {
    public enum Role { SOURCE, DESTINATION }

    private static final System.Logger LOG = System.getLogger(TlsContext.class.getName());
    private static final char[] NO_PASSWORD = new char[0];

    private final Role role;
    private final TlsSettings settings;
    private final SSLContext ssl;
    private final String hostname; // source: the name the destination's certificate must carry
    private final int port;
    private final AtomicBoolean told = new AtomicBoolean();

    TlsContext(Role role, TlsSettings settings, SSLContext ssl, String hostname, int port) {
        this.role = role;
        this.settings = settings;
        this.ssl = ssl;
        this.hostname = hostname;
        this.port = port;
    }

    /** The source's TLS towards {@code to}, or null when TLS is off. */
    public static TlsContext forSource(TlsSettings settings, Endpoint to) throws TlsException {
        if (!settings.enabled()) {
            return null;
        }
        String host = !settings.hostname().isEmpty() ? settings.hostname() : switch (to) {
            case Endpoint.Tcp tcp -> tcp.host();
            case Endpoint.InProcess ip -> "localhost";
            case Endpoint.File f -> throw new TlsException("tls-creds: " + f + " is a file, not a connection");
        };
        int port = to instanceof Endpoint.Tcp tcp ? tcp.port() : -1;
        TlsCredentials creds = TlsCredentials.load(settings.creds(), Role.SOURCE);
        return new TlsContext(Role.SOURCE, settings, sslContext(creds), host, port);
    }

    /** The destination's TLS, or null when TLS is off. */
    public static TlsContext forDestination(TlsSettings settings) throws TlsException {
        if (!settings.enabled()) {
            return null;
        }
        TlsCredentials creds = TlsCredentials.load(settings.creds(), Role.DESTINATION);
        return new TlsContext(Role.DESTINATION, settings, sslContext(creds), null, -1);
    }

    static SSLContext sslContext(TlsCredentials creds) throws TlsException {
        try {
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            List<X509Certificate> cas = creds.cas();
            for (int i = 0; i < cas.size(); i++) {
                trusted.setCertificateEntry("ca-" + i, cas.get(i));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(trusted);
            X509ExtendedTrustManager pkix = (X509ExtendedTrustManager) tmf.getTrustManagers()[0];
            KeyManager[] keys = null;
            if (creds.key() != null) {
                KeyStore own = KeyStore.getInstance("PKCS12");
                own.load(null, null);
                own.setKeyEntry("own", creds.key(), NO_PASSWORD, creds.chain().toArray(X509Certificate[]::new));
                KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
                kmf.init(own, NO_PASSWORD);
                keys = new KeyManager[] {new OwnCertificateKeyManager((X509ExtendedKeyManager) kmf.getKeyManagers()[0])};
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(keys, new TrustManager[] {new ExplainingTrustManager(pkix, cas)}, null);
            return ctx;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new TlsException("cannot set up TLS with these credentials: " + e.getMessage(), e);
        }
    }

    public Role role() {
        return role;
    }

    /** A new engine for one connection, in this side's mode, with this side's versions and checks. */
    public SSLEngine newEngine() {
        SSLEngine engine = role == Role.SOURCE ? ssl.createSSLEngine(hostname, port) : ssl.createSSLEngine();
        engine.setUseClientMode(role == Role.SOURCE);
        SSLParameters p = engine.getSSLParameters();
        p.setProtocols(settings.protocols());
        if (role == Role.SOURCE) {
            p.setEndpointIdentificationAlgorithm("HTTPS"); // the host name in the subjectAltName (or the CN)
        } else {
            p.setNeedClientAuth(settings.verifyPeer());
        }
        engine.setSSLParameters(p);
        return engine;
    }

    /**
     * Destination, after a complete handshake: why the source is not admitted ({@code tls-authz}), or null when
     * it is.
     */
    public String refusal(SSLSession session) {
        String subject;
        try {
            X500Principal p = (X500Principal) session.getPeerPrincipal();
            subject = p.getName();
            if (settings.authz() != null && !settings.authz().admits(p)) {
                return "the source's certificate subject '" + subject + "' is not in the destination's tls-authz";
            }
        } catch (SSLPeerUnverifiedException e) {
            if (settings.authz() != null) {
                return "the source presented no client certificate, and the destination's tls-authz admits only named ones";
            }
            subject = null;
        }
        tell(session, subject == null ? "an anonymous source (tls-verify-peer=off)"
                : "source '" + subject + "'" + (settings.authz() != null ? ", admitted by tls-authz" : ""));
        return null;
    }

    /** Source, after a complete handshake: says once what protects the migration. */
    public void handshaken(SSLSession session) {
        String peer;
        try {
            peer = ((X500Principal) session.getPeerPrincipal()).getName();
        } catch (SSLPeerUnverifiedException e) {
            peer = "?";
        }
        tell(session, "destination '" + peer + "', verified for host name " + hostname
                + (settings.creds().resolve(TlsCredentials.CLIENT_CERT).toFile().exists() ? "" : ", no client certificate"));
    }

    private void tell(SSLSession session, String peer) {
        if (told.compareAndSet(false, true)) {
            LOG.log(System.Logger.Level.INFO, "tls: " + session.getProtocol() + " " + session.getCipherSuite() + " with " + peer);
        }
    }

    /** A handshake or record failure in words: what the peer refused, or what this side refused and why. */
    public TlsException failure(SSLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ExplainingTrustManager.Explained x) {
                return new TlsException(x.getMessage(), e);
            }
        }
        return new TlsException(TlsFailures.explain(role, String.valueOf(e.getMessage()), settings.creds()), e);
    }
}
