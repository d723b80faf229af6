package io.jmultifd.multifd.tls;

import javax.net.ssl.SSLSession;

/**
 * What a TLS handshake settled on, as the result reports it: the protocol and the cipher suite, by the JDK's names
 * (e.g. {@code TLSv1.3}, {@code TLS_AES_256_GCM_SHA384}).
 */
public record NegotiatedTls(String protocol, String cipherSuite) {
    public static NegotiatedTls of(SSLSession session) {
        return new NegotiatedTls(session.getProtocol(), session.getCipherSuite());
    }
}
