package io.jmultifd.multifd.tls;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reading the PEM files of a credentials directory: certificates, and keys in the three unencrypted forms that
 * openssl and certtool write (written here by the JDK and BouncyCastle, not by the reader under test); every bad file
 * is an error naming it.
 */
class PemTest {
    @TempDir
    Path dir;

    /** The key signs what the certificate's public key verifies: it is the right key, read whole. */
    static void assertKeyOf(PrivateKey key, KeyPair pair) throws Exception {
        String alg = pair.getPublic().getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        Signature s = Signature.getInstance(alg);
        s.initSign(key);
        s.update(new byte[] {1, 2, 3});
        byte[] sig = s.sign();
        Signature v = Signature.getInstance(alg);
        v.initVerify(pair.getPublic());
        v.update(new byte[] {1, 2, 3});
        assertTrue(v.verify(sig));
    }

    @Test
    void certificatesInOrderWithTextAroundThem() throws Exception {
        TestPki.Issued ca = TestPki.ca("pem CA");
        TestPki.Issued leaf = TestPki.server(ca, "leaf", "DNS:x");
        Path f = dir.resolve("chain.pem");
        TestPki.writeCertificates(f, leaf.cert(), ca.cert());
        Files.writeString(f, "Certificate:\n    Data: (openssl x509 -text output)\n" + Files.readString(f));
        List<X509Certificate> certs = Pem.certificates(f);
        assertEquals(List.of(leaf.cert(), ca.cert()), certs);
    }

    @Test
    void keysInEveryUnencryptedForm() throws Exception {
        KeyPair ec = TestPki.ecKeys();
        KeyPair rsa = TestPki.rsaKeys();
        Path f = dir.resolve("key.pem");
        TestPki.writePkcs8(f, ec.getPrivate());
        assertKeyOf(Pem.privateKey(f, ec.getPublic()), ec);
        TestPki.writePkcs8(f, rsa.getPrivate());
        assertKeyOf(Pem.privateKey(f, rsa.getPublic()), rsa);
        TestPki.writeTraditional(f, rsa.getPrivate());
        assertTrue(Files.readString(f).startsWith("-----BEGIN RSA PRIVATE KEY-----"));
        assertKeyOf(Pem.privateKey(f, rsa.getPublic()), rsa);
        TestPki.writeTraditional(f, ec.getPrivate());
        assertTrue(Files.readString(f).startsWith("-----BEGIN EC PRIVATE KEY-----"));
        assertKeyOf(Pem.privateKey(f, ec.getPublic()), ec);
    }

    interface Thrower {
        void run() throws Exception;
    }

    static String error(Thrower t) {
        return assertThrows(TlsException.class, t::run).getMessage();
    }

    @Test
    void badFilesAreNamedWithWhatWasExpected() throws Exception {
        KeyPair ec = TestPki.ecKeys();
        Path f = dir.resolve("server-key.pem");
        assertEquals("server-key.pem: no such file in " + dir, error(() -> Pem.privateKey(f, ec.getPublic())));
        Files.writeString(f, "hello\n");
        assertEquals("server-key.pem: holds no private key (expected a -----BEGIN PRIVATE KEY----- block)",
                error(() -> Pem.privateKey(f, ec.getPublic())));
        assertEquals("server-key.pem: holds no certificate (expected a -----BEGIN CERTIFICATE----- block)",
                error(() -> Pem.certificates(f)));
        Files.writeString(f, "-----BEGIN PRIVATE KEY-----\nAAAA\n");
        assertEquals("server-key.pem: the PRIVATE KEY block has no -----END PRIVATE KEY----- line",
                error(() -> Pem.privateKey(f, ec.getPublic())));
        Files.writeString(f, "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n");
        assertTrue(error(() -> Pem.privateKey(f, ec.getPublic())).startsWith(
                "server-key.pem: the key is encrypted with a passphrase; jmultifd reads unencrypted keys only"));
        Files.writeString(f, "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n"
                + "-----END RSA PRIVATE KEY-----\n");
        assertTrue(error(() -> Pem.privateKey(f, ec.getPublic())).contains("encrypted with a passphrase"));
        Files.writeString(f, "-----BEGIN EC PRIVATE KEY-----\nMAMCAQ==\n-----END EC PRIVATE KEY-----\n"); // cut short
        assertTrue(error(() -> Pem.privateKey(f, ec.getPublic())).startsWith(
                "server-key.pem: not a valid EC private key in EC PRIVATE KEY form"));
        Files.writeString(f, "-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n");
        assertTrue(error(() -> Pem.privateKey(f, ec.getPublic())).startsWith("server-key.pem: the PRIVATE KEY block is not valid base64"));
        TestPki.writePkcs8(f, ec.getPrivate());
        Files.writeString(f, Files.readString(f) + Files.readString(f));
        assertEquals("server-key.pem: holds 2 private keys; it must hold one", error(() -> Pem.privateKey(f, ec.getPublic())));
        TestPki.writeTraditional(f, ec.getPrivate());
        assertTrue(error(() -> Pem.privateKey(f, TestPki.rsaKeys().getPublic())).startsWith(
                "server-key.pem: not a valid RSA private key in EC PRIVATE KEY form"));
    }
}
