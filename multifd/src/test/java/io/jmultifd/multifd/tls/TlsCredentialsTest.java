package io.jmultifd.multifd.tls;

import io.jmultifd.multifd.tls.TestPki.Issued;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static io.jmultifd.multifd.tls.TlsContext.Role.DESTINATION;
import static io.jmultifd.multifd.tls.TlsContext.Role.SOURCE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A credentials directory is checked before use, as QEMU checks its own; each problem names the directory and file. */
class TlsCredentialsTest {
    @TempDir
    static Path dir;
    static Issued ca;
    static Issued otherCa;
    static Issued server;
    static Issued client;

    @BeforeAll
    static void pki() {
        ca = TestPki.ca("creds CA");
        otherCa = TestPki.ca("other CA");
        server = TestPki.server(ca, "server", "DNS:dst.example", "IP:127.0.0.1");
        client = TestPki.client(ca, "client");
    }

    static String refusal(Path d, TlsContext.Role role) {
        return assertThrows(TlsException.class, () -> TlsCredentials.load(d, role)).getMessage();
    }

    static Path fresh(String name) throws Exception {
        return Files.createDirectories(dir.resolve(name));
    }

    @Test
    void goodDirectoriesLoadForTheirRole() throws Exception {
        Path d = TestPki.destinationDir(fresh("good-dst"), ca, server);
        TlsCredentials c = TlsCredentials.load(d, DESTINATION);
        assertEquals(List.of(server.cert()), c.chain());
        assertNotNull(c.key());
        Path s = TestPki.sourceDir(fresh("good-src"), ca, client);
        assertEquals(List.of(client.cert()), TlsCredentials.load(s, SOURCE).chain());
        Path anonymous = TestPki.sourceDir(fresh("anon"), ca, null);
        assertTrue(TlsCredentials.load(anonymous, SOURCE).chain().isEmpty());
        // A destination directory needs its server files; a source's is fine without client files.
        assertEquals("tls-creds " + anonymous + ": server-cert.pem: missing", refusal(anonymous, DESTINATION));
    }

    @Test
    void missingOrIncompleteDirectories() throws Exception {
        Path none = dir.resolve("nowhere");
        assertEquals("tls-creds " + none + ": " + none + ": no such directory", refusal(none, SOURCE));
        Path d = fresh("no-ca");
        assertEquals("tls-creds " + d + ": ca-cert.pem: no such file in " + d, refusal(d, SOURCE));
        Path noKey = TestPki.destinationDir(fresh("no-key"), ca, server);
        Files.delete(noKey.resolve("server-key.pem"));
        assertEquals("tls-creds " + noKey + ": server-key.pem: missing", refusal(noKey, DESTINATION));
        Path halfClient = TestPki.sourceDir(fresh("half-client"), ca, client);
        Files.delete(halfClient.resolve("client-key.pem"));
        assertEquals("tls-creds " + halfClient + ": client-key.pem: missing (client-cert.pem and client-key.pem go "
                + "together)", refusal(halfClient, SOURCE));
        Path crl = TestPki.destinationDir(fresh("crl"), ca, server);
        Files.writeString(crl.resolve("ca-crl.pem"), "");
        assertTrue(refusal(crl, DESTINATION).startsWith("tls-creds " + crl + ": ca-crl.pem: certificate revocation lists "
                + "are not supported yet"));
    }

    @Test
    void aKeyOfAnotherCertificateIsRefused() throws Exception {
        Path d = TestPki.destinationDir(fresh("wrong-key"), ca, server);
        TestPki.writePkcs8(d.resolve("server-key.pem"), TestPki.ecKeys().getPrivate());
        assertEquals("tls-creds " + d + ": server-key.pem: is not the key of server-cert.pem", refusal(d, DESTINATION));
    }

    @Test
    void certificatesThatDoNotFitTheirPlaceAreRefused() throws Exception {
        Path foreign = TestPki.destinationDir(fresh("foreign"), ca, TestPki.server(otherCa, "server", "DNS:x"));
        assertTrue(refusal(foreign, DESTINATION).startsWith("tls-creds " + foreign + ": server-cert.pem: 'CN=server,O=jmultifd "
                + "test' (issued by 'CN=other CA,O=jmultifd test') is not signed by a CA of ca-cert.pem"));
        Path clientAsServer = TestPki.destinationDir(fresh("client-as-server"), ca, client);
        assertEquals("tls-creds " + clientAsServer + ": server-cert.pem: 'CN=client,O=jmultifd test' is not allowed for TLS "
                + "servers (its extendedKeyUsage lacks serverAuth)", refusal(clientAsServer, DESTINATION));
        Path caAsServer = TestPki.destinationDir(fresh("ca-as-server"), ca, ca);
        assertTrue(refusal(caAsServer, DESTINATION).contains("server-cert.pem: 'CN=creds CA,O=jmultifd test' is a CA "
                + "certificate; a server certificate must not be one"), refusal(caAsServer, DESTINATION));
        Path leafAsCa = TestPki.destinationDir(fresh("leaf-as-ca"), server, server);
        assertEquals("tls-creds " + leafAsCa + ": ca-cert.pem: 'CN=server,O=jmultifd test' is not a CA certificate (it "
                + "lacks basicConstraints CA:TRUE)", refusal(leafAsCa, DESTINATION));
        Issued future = TestPki.issue(ca, "CN=future,O=jmultifd test", TestPki.ecKeys(), TestPki.Purpose.SERVER,
                List.of("DNS:x"), Instant.now().plus(Duration.ofDays(2)), Instant.now().plus(Duration.ofDays(9)));
        Path early = TestPki.destinationDir(fresh("early"), ca, future);
        assertTrue(refusal(early, DESTINATION).startsWith("tls-creds " + early + ": server-cert.pem: 'CN=future,O=jmultifd "
                + "test' is not valid before "));
    }

    @Test
    void inspectionSaysWhatIsThereAndWarnsOfAKeyOthersMayRead() throws Exception {
        Path d = TestPki.destinationDir(fresh("inspect"), ca, server);
        Files.setPosixFilePermissions(d.resolve("server-key.pem"), PosixFilePermissions.fromString("rw-r--r--"));
        List<Finding> findings = new ArrayList<>();
        assertNotNull(TlsCredentials.inspect(d, DESTINATION, findings));
        List<String> lines = findings.stream().map(Finding::toString).toList();
        assertTrue(lines.contains("ok: server-cert.pem: 'CN=server,O=jmultifd test', issued by 'CN=creds CA,O=jmultifd "
                + "test', valid until " + Certificates.date(server.cert().getNotAfter()) + "; host names: DNS:dst.example, "
                + "IP:127.0.0.1"), lines.toString());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("warning: server-key.pem: other users may read it (rw-r--r--)")),
                lines.toString());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("ok: ca-cert.pem: CA 'CN=creds CA,O=jmultifd test'")),
                lines.toString());
    }
}
