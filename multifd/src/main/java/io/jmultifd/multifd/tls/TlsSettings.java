package io.jmultifd.multifd.tls;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * The TLS parameters of one side (QEMU's names where QEMU has one): {@code tls-creds} (the x509 credentials
 * directory; TLS is off without it), {@code tls-hostname} (source: the name the destination's certificate must
 * carry; default the host of the URI), {@code tls-authz} (destination: the client subjects admitted),
 * {@code tls-verify-peer} (destination: require a client certificate, QEMU's verify-peer) and
 * {@code tls-min-version} (1.3, or 1.2 to allow TLS 1.2 as well).
 *
 * @param creds      the credentials directory, null when TLS is off
 * @param hostname   empty: the host of the URI
 * @param authz      null: every client the CA vouches for (or any, with verifyPeer off)
 * @param protocols  the JDK's protocol names enabled, newest first
 */
public record TlsSettings(Path creds, String hostname, TlsAuthz authz, boolean verifyPeer, String[] protocols) {
    public static final String CREDS = "tls-creds";
    public static final String HOSTNAME = "tls-hostname";
    public static final String AUTHZ = "tls-authz";
    public static final String VERIFY_PEER = "tls-verify-peer";
    public static final String MIN_VERSION = "tls-min-version";

    /** TLS off. */
    public static final TlsSettings OFF = new TlsSettings(null, "", null, true, new String[] {"TLSv1.3"});

    /**
     * Validates the values (as given, defaults filled in); a bad value or a TLS parameter without
     * {@code tls-creds} is an IllegalArgumentException naming the parameter.
     */
    public static TlsSettings parse(String creds, String hostname, String authz, boolean verifyPeer, String minVersion) {
        String[] protocols = switch (minVersion) {
            case "1.3" -> new String[] {"TLSv1.3"};
            case "1.2" -> new String[] {"TLSv1.3", "TLSv1.2"};
            default -> throw new IllegalArgumentException(MIN_VERSION + "=" + minVersion + ": must be one of [1.2, 1.3]");
        };
        TlsAuthz parsedAuthz = null;
        if (!authz.isBlank()) {
            try {
                parsedAuthz = TlsAuthz.parse(authz);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(AUTHZ + "=" + authz + ": " + e.getMessage());
            }
        }
        if (creds.isBlank()) {
            String needsCreds = !hostname.isBlank() ? HOSTNAME + "=" + hostname : parsedAuthz != null ? AUTHZ + "=" + authz
                    : !verifyPeer ? VERIFY_PEER + "=off" : minVersion.equals("1.3") ? null : MIN_VERSION + "=" + minVersion;
            if (needsCreds != null) {
                throw new IllegalArgumentException(needsCreds + " needs " + CREDS + "=DIR (TLS is off without it)");
            }
            return OFF;
        }
        if (parsedAuthz != null && !verifyPeer) {
            throw new IllegalArgumentException(AUTHZ + " needs client certificates, and " + VERIFY_PEER
                    + "=off admits clients without one");
        }
        if (hostname.strip().isEmpty() != hostname.isEmpty() || hostname.contains(" ")) {
            throw new IllegalArgumentException(HOSTNAME + "='" + hostname + "': a host name has no spaces");
        }
        try {
            return new TlsSettings(Path.of(creds), hostname, parsedAuthz, verifyPeer, protocols);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException(CREDS + "=" + creds + ": " + e.getMessage());
        }
    }

    public boolean enabled() {
        return creds != null;
    }
}
