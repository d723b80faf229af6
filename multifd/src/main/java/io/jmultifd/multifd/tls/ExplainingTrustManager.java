package io.jmultifd.multifd.tls;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.security.auth.x500.X500Principal;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The JDK's PKIX trust manager (chain to ca-cert.pem, validity, purpose, and on the source the host name), with
 * its refusals put in words: whose certificate, and whether it expired, names another host or comes from
 * another CA. The cause stays attached, so the alert the peer gets is the JDK's own.
 */
final class ExplainingTrustManager extends X509ExtendedTrustManager {
    /** A refusal put in words; the handshake failure carries it as its cause. */
    static final class Explained extends CertificateException {
        Explained(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private interface Check {
        void run() throws CertificateException;
    }

    private final X509ExtendedTrustManager delegate;
    private final List<X509Certificate> cas;

    ExplainingTrustManager(X509ExtendedTrustManager delegate, List<X509Certificate> cas) {
        this.delegate = delegate;
        this.cas = cas;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check("the source's", chain, () -> delegate.checkClientTrusted(chain, authType), null, null);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check("the source's", chain, () -> delegate.checkClientTrusted(chain, authType, socket), null, null);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check("the source's", chain, () -> delegate.checkClientTrusted(chain, authType, engine), null, null);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check("the destination's", chain, () -> delegate.checkServerTrusted(chain, authType), null, null);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check("the destination's", chain, () -> delegate.checkServerTrusted(chain, authType, socket),
                () -> delegate.checkServerTrusted(chain, authType), null);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check("the destination's", chain, () -> delegate.checkServerTrusted(chain, authType, engine),
                () -> delegate.checkServerTrusted(chain, authType), engine.getPeerHost());
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return delegate.getAcceptedIssuers();
    }

    /**
     * Runs the full check; on a refusal, finds out why: a certificate out of its validity, a host name (the
     * check without the host name passes), another CA, or else the JDK's own words.
     */
    private void check(String whose, X509Certificate[] chain, Check full, Check withoutHostName, String host)
            throws CertificateException {
        try {
            full.run();
            return;
        } catch (CertificateException e) {
            throw new Explained(explain(whose, chain, e, withoutHostName, host), e);
        }
    }

    private String explain(String whose, X509Certificate[] chain, CertificateException e, Check withoutHostName,
                           String host) {
        if (chain == null || chain.length == 0) {
            return whose + " certificate chain is empty";
        }
        X509Certificate leaf = chain[0];
        String subject = Certificates.subject(leaf);
        for (X509Certificate c : chain) {
            String what = whose + (c == leaf ? " certificate " + subject : " intermediate certificate " + Certificates.subject(c));
            try {
                c.checkValidity();
            } catch (CertificateExpiredException x) {
                return what + " expired on " + Certificates.date(c.getNotAfter());
            } catch (CertificateNotYetValidException x) {
                return what + " is not valid before " + Certificates.date(c.getNotBefore());
            }
        }
        if (withoutHostName != null) {
            try {
                withoutHostName.run();
                return whose + " certificate " + subject + " is not valid for the host name '" + host
                        + "' (tls-hostname, by default the host of the URI); it is valid for "
                        + Certificates.describeHostNames(leaf);
            } catch (CertificateException notTheName) {
                // the chain itself is refused: say why below
            }
        }
        X500Principal issuer = chain[chain.length - 1].getIssuerX500Principal();
        if (cas.stream().noneMatch(ca -> ca.getSubjectX500Principal().equals(issuer))) {
            return whose + " certificate " + subject + " is issued by '" + issuer.getName() + "', which is not a CA of "
                    + TlsCredentials.CA_CERT + " (" + String.join(", ", cas.stream().map(Certificates::subject).toList())
                    + ")";
        }
        return whose + " certificate " + subject + " is not trusted: " + e.getMessage();
    }
}
