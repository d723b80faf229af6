package io.jmultifd.cli;

import io.jmultifd.multifd.tls.TestPki;
import io.jmultifd.multifd.tls.TestPki.Issued;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jmultifd tls-selftest DIR}, and a TLS migration between two processes as a user runs them: the destination
 * with its credentials, the source with its own, the host name checked against the URI's.
 */
class TlsCliTest {
    private static final Pattern LISTENING = Pattern.compile("listening on tcp:127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    static Path dir;
    static Issued ca;
    static Path both; // ca-cert.pem and both ends' files, as a test setup keeps them
    static Path dst;
    static Path src;

    @BeforeAll
    static void pki() throws Exception {
        ca = TestPki.ca("cli CA");
        Issued server = TestPki.server(ca, "destination", "IP:127.0.0.1", "DNS:localhost");
        Issued client = TestPki.client(ca, "source");
        both = TestPki.sourceDir(TestPki.destinationDir(dir.resolve("both"), ca, server), ca, client);
        dst = TestPki.destinationDir(dir.resolve("dst"), ca, server);
        src = TestPki.sourceDir(dir.resolve("src"), ca, client);
    }

    @Test
    void aGoodDirectoryPassesWithAHandshake() {
        CliRunner r = CliRunner.run("tls-selftest", both.toString());
        assertEquals(Main.EXIT_OK, r.exitCode(), r.toString());
        assertTrue(r.out().contains("ok: ca-cert.pem: CA 'CN=cli CA,O=jmultifd test', valid until "), r.toString());
        assertTrue(r.out().contains("ok: server-cert.pem: 'CN=destination,O=jmultifd test', issued by 'CN=cli CA,O=jmultifd "
                + "test', valid until "), r.toString());
        assertTrue(r.out().contains("host names: IP:127.0.0.1, DNS:localhost"), r.toString());
        assertTrue(r.out().contains("ok: client-cert.pem: 'CN=source,O=jmultifd test'"), r.toString());
        assertTrue(r.out().contains("ok: handshake: a TLS handshake in memory between server-cert.pem and client-cert.pem "
                + "for host name '127.0.0.1': TLSv1.3 TLS_"), r.toString());
        assertTrue(r.out().endsWith("tls-creds " + both + ": usable, 0 errors, 0 warnings\n"), r.toString());
    }

    @Test
    void aHostNameTheCertificateDoesNotCarryFailsTheHandshake() {
        CliRunner r = CliRunner.run("tls-selftest", both.toString(), "--hostname", "dst.example");
        assertEquals(Main.EXIT_FAILED, r.exitCode(), r.toString());
        assertTrue(r.out().contains("error: handshake: a TLS handshake in memory between server-cert.pem and client-cert.pem "
                + "for host name 'dst.example' failed: the destination's certificate 'CN=destination,O=jmultifd test' is "
                + "not valid for the host name 'dst.example'"), r.toString());
        assertTrue(r.out().contains("NOT usable, 1 error, 0 warnings"), r.toString());
    }

    @Test
    void everyProblemOfABrokenDirectoryIsListed() throws Exception {
        Path broken = TestPki.destinationDir(dir.resolve("broken"), ca, TestPki.server(ca, "d", "DNS:x"));
        TestPki.writePkcs8(broken.resolve("server-key.pem"), TestPki.ecKeys().getPrivate());
        Files.setPosixFilePermissions(broken.resolve("server-key.pem"), java.nio.file.attribute.PosixFilePermissions
                .fromString("rw-r--r--"));
        CliRunner r = CliRunner.run("tls-selftest", broken.toString());
        assertEquals(Main.EXIT_FAILED, r.exitCode(), r.toString());
        assertTrue(r.out().contains("error: server-key.pem: is not the key of server-cert.pem\n"), r.toString());
        assertTrue(r.out().contains("warning: server-key.pem: other users may read it (rw-r--r--)"), r.toString());
        assertTrue(r.out().contains("NOT usable, 1 error, 1 warning"), r.toString());

        CliRunner missing = CliRunner.run("tls-selftest", dir.resolve("nowhere").toString());
        assertEquals(Main.EXIT_FAILED, missing.exitCode(), missing.toString());
        assertTrue(missing.out().contains("error: " + dir.resolve("nowhere") + ": no such directory"), missing.toString());

        CliRunner usage = CliRunner.run("tls-selftest");
        assertEquals(Main.EXIT_USAGE, usage.exitCode(), usage.toString());
        assertTrue(usage.err().startsWith("jmultifd tls-selftest: Missing required parameter: 'DIR'"), usage.toString());
    }

    @Test
    void aTlsMigrationBetweenTwoProcesses(@TempDir Path work) throws Exception {
        try (ChildJvm incoming = ChildJvm.start(work, "incoming", "incoming", "--listen", "tcp:127.0.0.1:0",
                "--set", "tls-creds=" + dst, "--set", "tls-authz=CN=source,O=jmultifd test")) {
            int port = Integer.parseInt(incoming.awaitStderr(LISTENING).orElseThrow(
                    () -> new AssertionError("no 'listening on' line\n" + incoming.describe())));
            CliRunner r = CliRunner.run("migrate", "--to", "tcp:127.0.0.1:" + port, "--synthetic", "8M:mixed",
                    "--set", "tls-creds=" + src);
            assertEquals(Main.EXIT_OK, r.exitCode(), r.toString());
            assertEquals(Main.EXIT_OK, incoming.awaitExit(), incoming.describe());
            assertTrue(incoming.stderr().contains("jmultifd: INFO: tls: TLSv1.3 TLS_"), incoming.describe());
            assertTrue(incoming.stderr().contains("source 'CN=source,O=jmultifd test', admitted by tls-authz"),
                    incoming.describe());
        }
    }
}
