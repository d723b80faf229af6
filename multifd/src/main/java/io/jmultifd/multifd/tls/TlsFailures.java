package io.jmultifd.multifd.tls;

import java.nio.file.Path;

/**
 * Puts the JDK's TLS failures in the operator's words: which end refused, and what to check. The alert a peer sends
 * says only what kind of refusal it was (its log has the words); this side's own refusals of a certificate are
 * explained by {@link ExplainingTrustManager} before they get here.
 */
final class TlsFailures {
    private static final String ALERT = "Received fatal alert: ";

    private TlsFailures() {}

    static String explain(TlsContext.Role role, String message, Path creds) {
        boolean source = role == TlsContext.Role.SOURCE;
        String peer = source ? "the destination" : "the source";
        int at = message.indexOf(ALERT); // the JDK writes "(bad_certificate) Received fatal alert: bad_certificate"
        if (at >= 0) {
            String alert = message.substring(at + ALERT.length()).strip();
            return switch (alert) {
                case "certificate_required" -> source
                        ? "the destination requires a client certificate (its tls-verify-peer is on): put "
                                + TlsCredentials.CLIENT_CERT + " and " + TlsCredentials.CLIENT_KEY + ", signed by its CA, into "
                                + creds + " (alert " + alert + ")"
                        : "the source refused to go on without a certificate (alert " + alert + ")";
                case "bad_certificate", "certificate_unknown", "unknown_ca", "certificate_expired",
                     "certificate_revoked", "unsupported_certificate", "access_denied" -> source
                        ? "the destination refused this source's client certificate (alert " + alert + "; its log says "
                                + "why): is " + TlsCredentials.CLIENT_CERT + " in " + creds + " signed by the CA of the "
                                + "destination's " + TlsCredentials.CA_CERT + ", and valid now?"
                        : "the source refused this destination's certificate (alert " + alert + "; its log says why): "
                                + "does it trust the CA of " + TlsCredentials.SERVER_CERT + ", and does its tls-hostname "
                                + "match the certificate?";
                case "protocol_version", "handshake_failure", "insufficient_security" ->
                        peer + " shares no TLS version or cipher suite with this side (alert " + alert
                                + "): check tls-min-version on both ends";
                default -> peer + " ended the TLS handshake (alert " + alert + ")";
            };
        }
        if (message.contains("Empty client certificate chain") || message.contains("Empty server certificate chain")) {
            return source ? "the destination presented no certificate"
                    : "the source presented no client certificate, and tls-verify-peer=on requires one";
        }
        if (message.contains("protocol") && (message.contains("not enabled") || message.contains("not accepted")
                || message.contains("No appropriate protocol"))) {
            return peer + " and this side share no TLS version (tls-min-version): " + message;
        }
        if (message.contains("Unsupported or unrecognized SSL message")) {
            return peer + " did not speak TLS";
        }
        return "TLS failed: " + message;
    }
}
