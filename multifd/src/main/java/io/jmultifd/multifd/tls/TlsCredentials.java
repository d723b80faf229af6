package io.jmultifd.multifd.tls;

import io.jmultifd.multifd.tls.Finding.Level;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A credentials directory in QEMU's x509 layout, read and checked for one role: {@code ca-cert.pem} (the CA, or
 * CAs, that both ends trust) on both; {@code server-cert.pem} and {@code server-key.pem} on the destination;
 * {@code client-cert.pem} and {@code client-key.pem} on the source for mutual TLS (both or neither). Checked as
 * QEMU checks its own credentials before it uses them: every certificate within its validity, the CA a CA, the own
 * certificate signed by it, no CA itself, allowed for its purpose, and its key the certificate's. Every problem is
 * a {@link Finding} naming the file; {@link #load} refuses on the first error.
 */
public final class TlsCredentials {
    public static final String CA_CERT = "ca-cert.pem";
    public static final String CA_CRL = "ca-crl.pem";
    public static final String SERVER_CERT = "server-cert.pem";
    public static final String SERVER_KEY = "server-key.pem";
    public static final String CLIENT_CERT = "client-cert.pem";
    public static final String CLIENT_KEY = "client-key.pem";

    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

    private final List<X509Certificate> cas;
    private final List<X509Certificate> chain; // own certificate first; empty for an anonymous source
    private final PrivateKey key;

    private TlsCredentials(List<X509Certificate> cas, List<X509Certificate> chain, PrivateKey key) {
        this.cas = cas;
        this.chain = chain;
        this.key = key;
    }

    /** The CA certificates. */
    public List<X509Certificate> cas() { return cas; }

    /** This side's certificate and the intermediates after it; empty for a source without a client certificate. */
    public List<X509Certificate> chain() { return chain; }

    /** The key of {@link #chain()}'s first certificate; null without one. */
    public PrivateKey key() { return key; }

    /** Reads and checks {@code dir} for {@code role}; the first error is a TlsException naming the directory and file. */
    public static TlsCredentials load(Path dir, TlsContext.Role role) throws TlsException {
        List<Finding> findings = new ArrayList<>();
        TlsCredentials c = inspect(dir, role, findings);
        for (Finding f : findings) {
            if (f.level() == Level.ERROR) {
                throw new TlsException("tls-creds " + dir + ": " + f.file() + ": " + f.message());
            }
        }
        return c;
    }

    /** Reads and checks {@code dir} for {@code role}, adding what it finds; null when an error keeps it from use. */
    static TlsCredentials inspect(Path dir, TlsContext.Role role, List<Finding> findings) {
        if (!Files.isDirectory(dir)) {
            findings.add(new Finding(Level.ERROR, dir.toString(), Files.exists(dir) ? "not a directory" : "no such directory"));
            return null;
        }
        int errors = errors(findings);
        if (Files.exists(dir.resolve(CA_CRL))) {
            findings.add(new Finding(Level.ERROR, CA_CRL, "certificate revocation lists are not supported yet; remove "
                    + "the file to run without revocation checks (never silently ignored)"));
        }
        List<X509Certificate> cas = cas(dir, findings);
        boolean server = role == TlsContext.Role.DESTINATION;
        String certFile = server ? SERVER_CERT : CLIENT_CERT;
        String keyFile = server ? SERVER_KEY : CLIENT_KEY;
        boolean hasCert = Files.exists(dir.resolve(certFile));
        boolean hasKey = Files.exists(dir.resolve(keyFile));
        List<X509Certificate> chain = List.of();
        PrivateKey key = null;
        if (!server && !hasCert && !hasKey) {
            findings.add(new Finding(Level.OK, certFile, "absent: the source connects without a client certificate "
                    + "(a destination with tls-verify-peer=on refuses it)"));
        } else if (!hasCert || !hasKey) {
            findings.add(new Finding(Level.ERROR, hasCert ? keyFile : certFile, "missing" + (server ? ""
                    : " (" + certFile + " and " + keyFile + " go together)")));
        } else {
            try {
                chain = Pem.certificates(dir.resolve(certFile));
                key = Pem.privateKey(dir.resolve(keyFile), chain.getFirst().getPublicKey());
                checkKeyMatches(key, chain.getFirst().getPublicKey(), keyFile, certFile, findings);
                checkOwn(chain, cas, certFile, server, findings);
                checkKeyFile(dir.resolve(keyFile), findings);
            } catch (TlsException e) {
                findings.add(new Finding(Level.ERROR, fileOf(e.getMessage(), certFile), afterFile(e.getMessage())));
            }
        }
        return errors(findings) > errors ? null : new TlsCredentials(cas, chain, key);
    }

    private static List<X509Certificate> cas(Path dir, List<Finding> findings) {
        List<X509Certificate> cas;
        try {
            cas = Pem.certificates(dir.resolve(CA_CERT));
        } catch (TlsException e) {
            findings.add(new Finding(Level.ERROR, CA_CERT, afterFile(e.getMessage())));
            return List.of();
        }
        for (X509Certificate ca : cas) {
            String name = Certificates.subject(ca);
            if (!validity(ca, CA_CERT, "the CA " + name, findings)) {
                continue;
            }
            if (ca.getBasicConstraints() < 0) {
                findings.add(new Finding(Level.ERROR, CA_CERT, name + " is not a CA certificate (it lacks basicConstraints "
                        + "CA:TRUE)"));
            } else if (ca.getKeyUsage() != null && !ca.getKeyUsage()[5]) {
                findings.add(new Finding(Level.ERROR, CA_CERT, name + " may not sign certificates (keyUsage lacks keyCertSign)"));
            } else {
                findings.add(new Finding(Level.OK, CA_CERT, "CA " + name + ", valid until " + Certificates.date(ca.getNotAfter())));
            }
        }
        return cas;
    }

    /** The own certificate: valid now, no CA, for its purpose, signed by a CA of ca-cert.pem through its chain. */
    private static void checkOwn(List<X509Certificate> chain, List<X509Certificate> cas, String file, boolean server,
                                 List<Finding> findings) {
        X509Certificate own = chain.getFirst();
        String name = Certificates.subject(own);
        int before = errors(findings);
        for (X509Certificate c : chain) {
            validity(c, file, c == own ? name : "the intermediate " + Certificates.subject(c), findings);
        }
        if (own.getBasicConstraints() >= 0) {
            findings.add(new Finding(Level.ERROR, file, name + " is a CA certificate; a " + (server ? "server" : "client")
                    + " certificate must not be one"));
        }
        try {
            List<String> purposes = own.getExtendedKeyUsage();
            String wanted = server ? SERVER_AUTH : CLIENT_AUTH;
            if (purposes != null && !purposes.contains(wanted) && !purposes.contains("2.5.29.37.0")) {
                findings.add(new Finding(Level.ERROR, file, name + " is not allowed for TLS " + (server ? "servers" : "clients")
                        + " (its extendedKeyUsage lacks " + (server ? "serverAuth" : "clientAuth") + ")"));
            }
        } catch (CertificateParsingException e) {
            findings.add(new Finding(Level.ERROR, file, name + ": unreadable extendedKeyUsage: " + e.getMessage()));
        }
        if (own.getKeyUsage() != null && !own.getKeyUsage()[0]) {
            findings.add(new Finding(Level.ERROR, file, name + " may not sign (keyUsage lacks digitalSignature), which "
                    + "TLS 1.3 needs"));
        }
        if (!cas.isEmpty()) {
            try {
                Set<TrustAnchor> anchors = new HashSet<>();
                for (X509Certificate ca : cas) {
                    anchors.add(new TrustAnchor(ca, null));
                }
                PKIXParameters p = new PKIXParameters(anchors);
                p.setRevocationEnabled(false);
                CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509").generateCertPath(chain), p);
            } catch (GeneralSecurityException e) {
                if (errors(findings) == before) { // an expired certificate says why already
                    findings.add(new Finding(Level.ERROR, file, name + " (issued by '" + own.getIssuerX500Principal().getName()
                            + "') is not signed by a CA of " + CA_CERT + ": " + e.getMessage()));
                }
            }
        }
        if (errors(findings) == before) {
            findings.add(new Finding(Level.OK, file, name + ", issued by '" + own.getIssuerX500Principal().getName()
                    + "', valid until " + Certificates.date(own.getNotAfter())
                    + (server ? "; host names: " + Certificates.describeHostNames(own) : "")));
            if (server && Certificates.hostNames(own).isEmpty()) {
                findings.add(new Finding(Level.WARNING, file, name + " has no subjectAltName: sources match a host name "
                        + "against its CN only, and an IP address never"));
            }
        }
    }

    /** True when {@code c} is valid now; else an error saying since or until when. */
    private static boolean validity(X509Certificate c, String file, String what, List<Finding> findings) {
        try {
            c.checkValidity();
            return true;
        } catch (CertificateExpiredException e) {
            findings.add(new Finding(Level.ERROR, file, what + " expired on " + Certificates.date(c.getNotAfter())));
        } catch (CertificateNotYetValidException e) {
            findings.add(new Finding(Level.ERROR, file, what + " is not valid before " + Certificates.date(c.getNotBefore())));
        }
        return false;
    }

    /** Signs with the key and verifies with the certificate: the only check that holds for every kind of key. */
    private static void checkKeyMatches(PrivateKey key, PublicKey certKey, String keyFile, String certFile,
                                        List<Finding> findings) {
        try {
            String algorithm = switch (key.getAlgorithm()) {
                case "RSA" -> "SHA256withRSA";
                case "EC" -> "SHA256withECDSA";
                case "RSASSA-PSS" -> "RSASSA-PSS";
                default -> key.getAlgorithm(); // EdDSA, Ed25519, Ed448
            };
            byte[] probe = "jmultifd key check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            Signature sign = Signature.getInstance(algorithm);
            Signature verify = Signature.getInstance(algorithm);
            if (algorithm.equals("RSASSA-PSS")) {
                PSSParameterSpec pss = new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1);
                sign.setParameter(pss);
                verify.setParameter(pss);
            }
            sign.initSign(key);
            sign.update(probe);
            byte[] signature = sign.sign();
            verify.initVerify(certKey);
            verify.update(probe);
            if (!verify.verify(signature)) {
                findings.add(new Finding(Level.ERROR, keyFile, "is not the key of " + certFile));
            }
        } catch (GeneralSecurityException e) {
            findings.add(new Finding(Level.ERROR, keyFile, "is not the key of " + certFile + ": " + e.getMessage()));
        }
    }

    /** A key others may read is a warning (QEMU does not check it; an operator wants to know). */
    private static void checkKeyFile(Path keyFile, List<Finding> findings) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(keyFile);
            if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)) {
                findings.add(new Finding(Level.WARNING, keyFile.getFileName().toString(), "other users may read it ("
                        + java.nio.file.attribute.PosixFilePermissions.toString(perms) + "); chmod 600 " + keyFile));
            }
        } catch (UnsupportedOperationException | java.io.IOException e) {
            // no POSIX permissions here: nothing to say
        }
    }

    private static int errors(List<Finding> findings) {
        return (int) findings.stream().filter(f -> f.level() == Level.ERROR).count();
    }

    /** Pem's messages open with the file name: "server-key.pem: ..." */
    private static String fileOf(String message, String fallback) {
        int colon = message.indexOf(": ");
        return colon > 0 && message.substring(0, colon).endsWith(".pem") ? message.substring(0, colon) : fallback;
    }

    private static String afterFile(String message) {
        int colon = message.indexOf(": ");
        return colon > 0 && message.substring(0, colon).endsWith(".pem") ? message.substring(colon + 2) : message;
    }
}
