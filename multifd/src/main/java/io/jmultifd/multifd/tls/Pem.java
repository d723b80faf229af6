package io.jmultifd.multifd.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPrivateCrtKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Reads the PEM files of a credentials directory: X.509 certificates, and unencrypted private keys in any of
 * the three forms {@code openssl} and {@code certtool} write: PKCS#8 ({@code BEGIN PRIVATE KEY}), PKCS#1 RSA
 * ({@code BEGIN RSA PRIVATE KEY}) and SEC1 EC ({@code BEGIN EC PRIVATE KEY}). The JDK decodes certificates and
 * PKCS#8 itself; the two older key forms are a handful of DER integers, read here rather than pulling in a
 * library of some megabytes for them. Every error names the file and says what was expected.
 */
final class Pem {
    /** One {@code -----BEGIN type-----} block: its type and its decoded bytes. */
    record Block(String type, byte[] der, boolean encryptedHeaders) {}

    private Pem() {}

    /** The file's text; a missing or unreadable file is an error naming it. */
    static String read(Path file) throws TlsException {
        try {
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            throw new TlsException(file.getFileName() + ": no such file in " + file.getParent());
        } catch (IOException e) {
            throw new TlsException(file.getFileName() + ": cannot read it: " + e.getMessage(), e);
        }
    }

    /** Every PEM block of {@code text} (text around the blocks, e.g. {@code openssl x509 -text} output, is skipped). */
    static List<Block> blocks(String text, String file) throws TlsException {
        List<Block> blocks = new ArrayList<>();
        String[] lines = text.split("\r?\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (!line.startsWith("-----BEGIN ") || !line.endsWith("-----")) {
                continue;
            }
            String type = line.substring(11, line.length() - 5);
            StringBuilder body = new StringBuilder();
            boolean encrypted = false;
            int j = i + 1;
            for (; j < lines.length && !lines[j].strip().equals("-----END " + type + "-----"); j++) {
                String l = lines[j].strip();
                if (l.contains(":")) {
                    encrypted |= l.startsWith("Proc-Type:") && l.contains("ENCRYPTED"); // OpenSSL's old encrypted keys
                } else {
                    body.append(l);
                }
            }
            if (j == lines.length) {
                throw new TlsException(file + ": the " + type + " block has no -----END " + type + "----- line");
            }
            try {
                blocks.add(new Block(type, Base64.getDecoder().decode(body.toString()), encrypted)); // strict: lines stripped
            } catch (IllegalArgumentException e) {
                throw new TlsException(file + ": the " + type + " block is not valid base64: " + e.getMessage());
            }
            i = j;
        }
        return blocks;
    }

    /** The certificates of {@code file}, in order; none is an error. */
    static List<X509Certificate> certificates(Path file) throws TlsException {
        String name = file.getFileName().toString();
        List<X509Certificate> certs = new ArrayList<>();
        for (Block b : blocks(read(file), name)) {
            if (!b.type().equals("CERTIFICATE")) {
                continue;
            }
            try {
                certs.add((X509Certificate) CertificateFactory.getInstance("X.509")
                        .generateCertificate(new ByteArrayInputStream(b.der())));
            } catch (CertificateException | ClassCastException e) {
                throw new TlsException(name + ": certificate " + (certs.size() + 1) + " is not a valid X.509 "
                        + "certificate: " + e.getMessage());
            }
        }
        if (certs.isEmpty()) {
            throw new TlsException(name + ": holds no certificate (expected a -----BEGIN CERTIFICATE----- block)");
        }
        return certs;
    }

    /**
     * The one private key of {@code file}, of the kind of {@code certificateKey} (the public key of the certificate
     * it goes with: it names the algorithm, and an EC curve, that the older key forms leave out).
     */
    static PrivateKey privateKey(Path file, PublicKey certificateKey) throws TlsException {
        String name = file.getFileName().toString();
        List<Block> keys = new ArrayList<>();
        for (Block b : blocks(read(file), name)) {
            if (b.type().endsWith("PRIVATE KEY")) {
                keys.add(b);
            }
        }
        if (keys.isEmpty()) {
            throw new TlsException(name + ": holds no private key (expected a -----BEGIN PRIVATE KEY----- block)");
        }
        if (keys.size() > 1) {
            throw new TlsException(name + ": holds " + keys.size() + " private keys; it must hold one");
        }
        Block key = keys.getFirst();
        if (key.type().equals("ENCRYPTED PRIVATE KEY") || key.encryptedHeaders()) {
            throw new TlsException(name + ": the key is encrypted with a passphrase; jmultifd reads unencrypted keys "
                    + "only (decrypt it: openssl pkey -in " + name + " -out " + name + ")");
        }
        String algorithm = certificateKey.getAlgorithm();
        try {
            return switch (key.type()) {
                case "PRIVATE KEY" -> KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(key.der()));
                case "RSA PRIVATE KEY" -> rsa(key.der());
                case "EC PRIVATE KEY" -> ec(key.der(), certificateKey);
                default -> throw new TlsException(name + ": a key of type '" + key.type() + "' is not supported "
                        + "(expected PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)");
            };
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new TlsException(name + ": not a valid " + algorithm + " private key in " + key.type() + " form "
                    + "(does it belong to the certificate, a " + algorithm + " key?): " + e.getMessage());
        }
    }

    /** PKCS#1: SEQUENCE { version, n, e, d, p, q, d mod (p-1), d mod (q-1), q^-1 mod p }. */
    private static PrivateKey rsa(byte[] der) throws GeneralSecurityException {
        Der s = new Der(der).sequence();
        s.integer(); // version
        return KeyFactory.getInstance("RSA").generatePrivate(new RSAPrivateCrtKeySpec(s.integer(), s.integer(),
                s.integer(), s.integer(), s.integer(), s.integer(), s.integer(), s.integer()));
    }

    /** SEC1: SEQUENCE { version 1, OCTET STRING private scalar, [0] curve, [1] public key }; the curve is the certificate's. */
    private static PrivateKey ec(byte[] der, PublicKey certificateKey) throws GeneralSecurityException {
        if (!(certificateKey instanceof ECPublicKey ecKey)) {
            throw new IllegalArgumentException("an EC key, but the certificate holds a " + certificateKey.getAlgorithm() + " key");
        }
        Der s = new Der(der).sequence();
        s.integer(); // version
        BigInteger scalar = new BigInteger(1, s.octets());
        return KeyFactory.getInstance("EC").generatePrivate(new ECPrivateKeySpec(scalar, ecKey.getParams()));
    }

    /** The few DER elements the older key forms need; any other byte is an IllegalArgumentException. */
    private static final class Der {
        private final byte[] b;
        private int pos;
        private final int end;

        Der(byte[] b) {
            this(b, 0, b.length);
        }

        private Der(byte[] b, int pos, int end) {
            this.b = b;
            this.pos = pos;
            this.end = end;
        }

        Der sequence() {
            int length = header(0x30);
            Der inner = new Der(b, pos, pos + length);
            pos += length;
            return inner;
        }

        BigInteger integer() {
            int length = header(0x02);
            BigInteger v = new BigInteger(b, pos, length);
            pos += length;
            return v;
        }

        byte[] octets() {
            int length = header(0x04);
            byte[] v = java.util.Arrays.copyOfRange(b, pos, pos + length);
            pos += length;
            return v;
        }

        /** Reads a tag and a length, checked against what is left; returns the length. */
        private int header(int tag) {
            if (pos + 2 > end || (b[pos] & 0xFF) != tag) {
                throw new IllegalArgumentException(String.format("DER: expected tag 0x%02x at byte %d", tag, pos));
            }
            pos++;
            int length = b[pos++] & 0xFF;
            if (length > 0x80 && length <= 0x84) {
                int n = length - 0x80;
                length = 0;
                for (int i = 0; i < n; i++) {
                    if (pos >= end) {
                        throw new IllegalArgumentException("DER: length cut short at byte " + pos);
                    }
                    length = (length << 8) | (b[pos++] & 0xFF);
                }
            } else if (length >= 0x80) {
                throw new IllegalArgumentException("DER: unsupported length form at byte " + (pos - 1));
            }
            if (length < 1 || length > end - pos) {
                throw new IllegalArgumentException("DER: length " + length + " at byte " + pos + " runs past the end");
            }
            return length;
        }
    }
}
