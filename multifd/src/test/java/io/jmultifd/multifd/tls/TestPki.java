package io.jmultifd.multifd.tls;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import javax.security.auth.x500.X500Principal;
import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Makes CAs and certificates for the TLS tests, signed in-process with BouncyCastle (test scope only; the JDK has no
 * public API that signs a certificate), and writes them as QEMU's x509 credentials directories. Keys are EC P-256
 * (fast to make) unless a test asks for RSA. Nothing here reads what it writes: the engine's own reading is what
 * the tests test.
 */
public final class TestPki {
    /** A key pair and its certificate. */
    public record Issued(KeyPair keys, X509Certificate cert) {
        public String subject() {
            return cert.getSubjectX500Principal().getName();
        }
    }

    public enum Purpose { CA, SERVER, CLIENT, NONE }

    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());
    private static final Duration DAY = Duration.ofDays(1);

    private TestPki() {}

    public static KeyPair ecKeys() {
        return keys("EC", 256);
    }

    public static KeyPair rsaKeys() {
        return keys("RSA", 2048);
    }

    private static KeyPair keys(String algorithm, int size) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm);
            g.initialize(size);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A self-signed CA, valid from yesterday for 30 days. */
    public static Issued ca(String cn) {
        KeyPair k = ecKeys();
        return sign("CN=" + cn + ",O=jmultifd test", k, null, Purpose.CA, List.of(), Instant.now().minus(DAY),
                Instant.now().plus(DAY.multipliedBy(30)));
    }

    /** A server certificate for {@code hostNames} ("DNS:name" or "IP:address"), valid from yesterday for 30 days. */
    public static Issued server(Issued ca, String cn, String... hostNames) {
        return issue(ca, "CN=" + cn + ",O=jmultifd test", ecKeys(), Purpose.SERVER, List.of(hostNames),
                Instant.now().minus(DAY), Instant.now().plus(DAY.multipliedBy(30)));
    }

    /** A client certificate, valid from yesterday for 30 days. */
    public static Issued client(Issued ca, String cn) {
        return issue(ca, "CN=" + cn + ",O=jmultifd test", ecKeys(), Purpose.CLIENT, List.of(),
                Instant.now().minus(DAY), Instant.now().plus(DAY.multipliedBy(30)));
    }

    /** Any certificate, signed by {@code ca}. */
    public static Issued issue(Issued ca, String subject, KeyPair keys, Purpose purpose, List<String> hostNames,
                               Instant notBefore, Instant notAfter) {
        return sign(subject, keys, ca, purpose, hostNames, notBefore, notAfter);
    }

    private static Issued sign(String subject, KeyPair keys, Issued issuer, Purpose purpose, List<String> hostNames,
                               Instant notBefore, Instant notAfter) {
        try {
            // Names as the JDK encodes them, so that a name written "CN=x,O=y" reads back as written.
            X500Name subjectName = X500Name.getInstance(new X500Principal(subject).getEncoded());
            X500Name issuerName = issuer == null ? subjectName
                    : X500Name.getInstance(issuer.cert().getSubjectX500Principal().getEncoded());
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuerName,
                    BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(notBefore), Date.from(notAfter),
                    subjectName, keys.getPublic());
            switch (purpose) {
                case CA -> {
                    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
                    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
                }
                case SERVER -> {
                    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
                    b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
                }
                case CLIENT -> {
                    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
                    b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
                }
                case NONE -> { }
            }
            if (!hostNames.isEmpty()) {
                List<GeneralName> names = new ArrayList<>();
                for (String h : hostNames) {
                    names.add(h.startsWith("IP:") ? new GeneralName(GeneralName.iPAddress, h.substring(3))
                            : new GeneralName(GeneralName.dNSName, h.substring(h.indexOf(':') + 1)));
                }
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)));
            }
            PrivateKey signer = issuer == null ? keys.getPrivate() : issuer.keys().getPrivate();
            String algorithm = signer.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
            X509Certificate cert = new JcaX509CertificateConverter()
                    .getCertificate(b.build(new JcaContentSignerBuilder(algorithm).build(signer)));
            return new Issued(keys, cert);
        } catch (Exception e) {
            throw new IllegalStateException("cannot make a test certificate: " + e, e);
        }
    }

    /** A destination's directory: ca-cert.pem, server-cert.pem, server-key.pem (mode 600). */
    public static Path destinationDir(Path dir, Issued ca, Issued server) throws IOException {
        Files.createDirectories(dir);
        writeCertificates(dir.resolve("ca-cert.pem"), ca.cert());
        writeCertificates(dir.resolve("server-cert.pem"), server.cert());
        writePkcs8(dir.resolve("server-key.pem"), server.keys().getPrivate());
        return dir;
    }

    /** A source's directory: ca-cert.pem, and client-cert.pem with client-key.pem unless {@code client} is null. */
    public static Path sourceDir(Path dir, Issued ca, Issued client) throws IOException {
        Files.createDirectories(dir);
        writeCertificates(dir.resolve("ca-cert.pem"), ca.cert());
        if (client != null) {
            writeCertificates(dir.resolve("client-cert.pem"), client.cert());
            writePkcs8(dir.resolve("client-key.pem"), client.keys().getPrivate());
        }
        return dir;
    }

    public static void writeCertificates(Path file, X509Certificate... certs) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            for (X509Certificate c : certs) {
                w.writeObject(c);
            }
        }
        Files.writeString(file, out.toString(), StandardCharsets.US_ASCII);
    }

    /** PKCS#8, {@code BEGIN PRIVATE KEY}, as OpenSSL 3 writes by default; readable by the owner only. */
    public static void writePkcs8(Path file, PrivateKey key) throws IOException {
        String pem = "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        Files.writeString(file, pem, StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }

    /** OpenSSL's traditional form: {@code BEGIN RSA PRIVATE KEY} (PKCS#1) or {@code BEGIN EC PRIVATE KEY} (SEC1). */
    public static void writeTraditional(Path file, PrivateKey key) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(key);
        }
        Files.writeString(file, out.toString(), StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }
}
