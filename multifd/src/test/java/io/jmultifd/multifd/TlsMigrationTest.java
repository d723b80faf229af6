package io.jmultifd.multifd;

import io.jmultifd.multifd.MigrationFailure.Cause;
import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.tls.TestPki;
import io.jmultifd.multifd.tls.TestPki.Issued;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Migrations over TLS, the cases of QEMU's tests/qtest/migration/tls-tests.c (x509): matching certificates with the
 * default and an overridden host name, a mismatched host name, friendly and hostile client certificates, anonymous
 * clients allowed and rejected; and more refusals: another CA, an expired certificate, TLS on one end only. Every
 * refusal happens before any guest byte moves (the destination never allocates a guest), and the destination
 * keeps listening for the real source after an unauthenticated peer was turned away.
 */
class TlsMigrationTest {
    private static final long VERDICT_S = 60;
    static final String CLIENT_DN = "CN=jmultifd-source,O=jmultifd test";

    @TempDir
    static Path dir;
    static Issued ca;
    static Issued otherCa;
    static Path dst;       // server certificate for 127.0.0.1 and localhost
    static Path src;       // client certificate CLIENT_DN
    static Path anonymous; // ca-cert.pem only

    @BeforeAll
    static void credentials() throws Exception {
        ca = TestPki.ca("jmultifd test CA");
        otherCa = TestPki.ca("another CA");
        dst = TestPki.destinationDir(dir.resolve("dst"), ca, TestPki.server(ca, "destination", "IP:127.0.0.1", "DNS:localhost"));
        src = TestPki.sourceDir(dir.resolve("src"), ca, TestPki.client(ca, "jmultifd-source"));
        anonymous = TestPki.sourceDir(dir.resolve("anonymous"), ca, null);
    }

    static MigrationParameters params(String... kv) {
        Map<String, String> m = new HashMap<>(Map.of("multifd-channels", "2", "packet-pages", "32",
                "max-guest-size", "64M", "setup-timeout", "20000"));
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return MigrationParameters.from(m);
    }

    /** Migrates a small guest to a destination with {@code dstParams}; both results. */
    static MigrationResult[] migrate(MigrationParameters dstParams, MigrationParameters srcParams) throws Exception {
        try (Harness.Incoming in = new Harness.Incoming(dstParams, true);
             GuestMemory guest = Harness.mixedGuest(1 << 20, 512 << 10, 7)) {
            MigrationResult sent = new MigrationSource(guest, null, srcParams).migrate(in.sourceTarget, null);
            MigrationResult received = in.result.get(VERDICT_S, TimeUnit.SECONDS);
            if (received.status() == MigrationStatus.COMPLETED) {
                Harness.assertSameMemory(guest, in.destination.received());
            }
            return new MigrationResult[] {sent, received};
        }
    }

    static void assertBothCompleted(MigrationResult[] r) {
        Harness.assertCompleted(r[0], "source");
        Harness.assertCompleted(r[1], "destination");
    }

    /** A source's migration to a destination that turns it away: the source's result, once the destination said why. */
    static MigrationResult refused(MigrationParameters dstParams, MigrationParameters srcParams, String destinationLogs)
            throws Exception {
        try (LogCapture log = new LogCapture();
             Harness.Incoming in = new Harness.Incoming(dstParams, true);
             GuestMemory guest = Harness.mixedGuest(1 << 20, 512 << 10, 7)) {
            MigrationResult sent = new MigrationSource(guest, null, srcParams).migrate(in.sourceTarget, null);
            assertEquals(MigrationStatus.FAILED, sent.status(), "source: " + sent.error());
            assertEquals(0, sent.ram().normalPages(), "no guest page moved");
            awaitLog(log, destinationLogs);
            assertNull(in.destination.received(), "the destination allocated no guest");
            assertTrue(!in.result.isDone(), "the destination keeps listening after turning a peer away");
            return sent;
        }
    }

    /** Waits (bounded) until the destination logged a line containing {@code fragment}; returns it. */
    static String awaitLog(LogCapture log, String fragment) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(VERDICT_S);
        while (System.nanoTime() < deadline) {
            String line = log.find(fragment);
            if (line != null) {
                return line;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the destination never logged '" + fragment + "'; it logged " + log.messages());
    }

    static void assertFailure(MigrationResult r, Cause cause, String... fragments) {
        assertEquals(MigrationStatus.FAILED, r.status(), r.error());
        assertEquals(cause, r.failure().cause(), r.error());
        for (String f : fragments) {
            assertTrue(r.error().contains(f), "'" + f + "' not in: " + r.error());
        }
    }

    // --- QEMU's x509 cases ---

    @Test
    void matchingCertificatesWithTheDefaultHostName() throws Exception {
        assertBothCompleted(migrate(params("tls-creds", dst.toString()), params("tls-creds", src.toString())));
    }

    @Test
    void bothResultsNameTheNegotiatedProtocolAndCipherSuiteAndAPlainOneNone() throws Exception {
        MigrationResult[] r = migrate(params("tls-creds", dst.toString()), params("tls-creds", src.toString()));
        assertBothCompleted(r);
        List<String> tls13Suites = java.util.Arrays.stream(javax.net.ssl.SSLContext.getDefault()
                .getSupportedSSLParameters().getCipherSuites()).filter(s -> s.matches("TLS_(AES|CHACHA20)_.*")).toList();
        for (MigrationResult side : r) {
            assertNotNull(side.tls(), "a TLS migration names what protects it");
            assertEquals("TLSv1.3", side.tls().protocol(), "tls-min-version defaults to 1.3");
            assertTrue(tls13Suites.contains(side.tls().cipherSuite()), side.tls() + " is not one of " + tls13Suites);
            com.fasterxml.jackson.databind.JsonNode json = io.jmultifd.cli.JsonReports.result(side.toMap());
            assertEquals(side.tls().protocol(), json.at("/jmultifd/tls/protocol").asText());
            assertEquals(side.tls().cipherSuite(), json.at("/jmultifd/tls/cipher-suite").asText());
        }
        assertEquals(r[0].tls(), r[1].tls(), "both ends negotiated the same");

        MigrationResult[] plain = migrate(params(), params());
        assertBothCompleted(plain);
        for (MigrationResult side : plain) {
            assertNull(side.tls());
            assertTrue(io.jmultifd.cli.JsonReports.result(side.toMap()).at("/jmultifd/tls").isMissingNode(),
                    "no tls section without TLS");
        }
    }

    @Test
    void matchingCertificatesWithAnOverriddenHostName() throws Exception {
        Path named = TestPki.destinationDir(dir.resolve("named-dst"), ca,
                TestPki.server(ca, "named", "DNS:migration.example"));
        assertBothCompleted(migrate(params("tls-creds", named.toString()),
                params("tls-creds", src.toString(), "tls-hostname", "migration.example")));
    }

    @Test
    void aMismatchedHostNameIsRefusedByTheSource() throws Exception {
        Path named = TestPki.destinationDir(dir.resolve("mismatch-dst"), ca,
                TestPki.server(ca, "named", "DNS:migration.example"));
        MigrationResult r = refused(params("tls-creds", named.toString()), params("tls-creds", src.toString()),
                "TLS handshake failed: the source refused this destination's certificate");
        assertFailure(r, Cause.TLS, "the destination's certificate 'CN=named,O=jmultifd test' is not valid for the host "
                + "name '127.0.0.1'", "it is valid for DNS:migration.example");
    }

    @Test
    void aFriendlyClientInTlsAuthzIsAdmitted() throws Exception {
        assertBothCompleted(migrate(params("tls-creds", dst.toString(), "tls-authz", "CN=nobody,O=x;" + CLIENT_DN),
                params("tls-creds", src.toString())));
    }

    @Test
    void aHostileClientNotInTlsAuthzIsRefusedAndTheFriendlyOneStillMigrates() throws Exception {
        Path hostile = TestPki.sourceDir(dir.resolve("hostile"), ca, TestPki.client(ca, "hostile"));
        MigrationParameters dstParams = params("tls-creds", dst.toString(), "tls-authz", CLIENT_DN);
        try (LogCapture log = new LogCapture();
             Harness.Incoming in = new Harness.Incoming(dstParams, true);
             GuestMemory guest = Harness.mixedGuest(1 << 20, 512 << 10, 9)) {
            MigrationResult r = new MigrationSource(guest, null, params("tls-creds", hostile.toString()))
                    .migrate(in.sourceTarget, null);
            assertFailure(r, Cause.REFUSED, "destination refused the migration: the source's certificate subject "
                    + "'CN=hostile,O=jmultifd test' is not in the destination's tls-authz");
            assertEquals(0, r.ram().normalPages());
            awaitLog(log, "is not in the destination's tls-authz");
            assertNull(in.destination.received());
            MigrationResult friendly = new MigrationSource(guest, null, params("tls-creds", src.toString()))
                    .migrate(in.sourceTarget, null);
            Harness.assertCompleted(friendly, "friendly source");
            Harness.assertCompleted(in.await(), "destination");
            Harness.assertSameMemory(guest, in.destination.received());
        }
    }

    @Test
    void anAnonymousClientIsAllowedWithVerifyPeerOff() throws Exception {
        assertBothCompleted(migrate(params("tls-creds", dst.toString(), "tls-verify-peer", "off"),
                params("tls-creds", anonymous.toString())));
    }

    @Test
    void anAnonymousClientIsRejectedWithVerifyPeerOn() throws Exception {
        MigrationResult r = refused(params("tls-creds", dst.toString()), params("tls-creds", anonymous.toString()),
                "the source presented no client certificate, and tls-verify-peer=on requires one");
        assertFailure(r, Cause.TLS, "the destination requires a client certificate", "client-cert.pem");
    }

    // --- more refusals ---

    @Test
    void aClientCertificateOfAnotherCaIsRefused() throws Exception {
        Path stranger = TestPki.sourceDir(dir.resolve("stranger"), ca, TestPki.client(otherCa, "stranger"));
        // Loading checks the own certificate against ca-cert.pem; this source's CA file trusts both, as a
        // misconfigured one might, so that the destination is the one to refuse.
        TestPki.writeCertificates(stranger.resolve("ca-cert.pem"), ca.cert(), otherCa.cert());
        MigrationResult r = refused(params("tls-creds", dst.toString()), params("tls-creds", stranger.toString()),
                "the source's certificate 'CN=stranger,O=jmultifd test' is issued by 'CN=another CA,O=jmultifd test', "
                        + "which is not a CA of ca-cert.pem");
        assertFailure(r, Cause.TLS, "the destination refused this source's client certificate");
    }

    @Test
    void aServerCertificateOfAnotherCaIsRefusedByTheSource() throws Exception {
        Path trustsOther = TestPki.sourceDir(dir.resolve("trusts-other"), otherCa, TestPki.client(otherCa, "src"));
        MigrationResult r = refused(params("tls-creds", dst.toString(), "tls-verify-peer", "off"),
                params("tls-creds", trustsOther.toString()), "the source refused this destination's certificate");
        assertFailure(r, Cause.TLS, "the destination's certificate 'CN=destination,O=jmultifd test' is issued by "
                + "'CN=jmultifd test CA,O=jmultifd test', which is not a CA of ca-cert.pem ('CN=another CA,O=jmultifd test')");
    }

    @Test
    void anExpiredOwnCertificateFailsEitherSideBeforeItConnects() throws Exception {
        Issued expiredClient = TestPki.issue(ca, "CN=expired,O=jmultifd test", TestPki.ecKeys(), TestPki.Purpose.CLIENT,
                List.of(), Instant.now().minus(Duration.ofDays(30)), Instant.now().minus(Duration.ofDays(1)));
        Path oldSrc = TestPki.sourceDir(dir.resolve("expired-src"), ca, expiredClient);
        try (Harness.Incoming in = new Harness.Incoming(params("tls-creds", dst.toString()), true);
             GuestMemory guest = Harness.mixedGuest(1 << 20, 512 << 10, 7)) {
            MigrationResult r = new MigrationSource(guest, null, params("tls-creds", oldSrc.toString()))
                    .migrate(in.sourceTarget, null);
            assertFailure(r, Cause.TLS, "tls-creds " + oldSrc + ": client-cert.pem: 'CN=expired,O=jmultifd test' expired on ");
        }
        Issued expiredServer = TestPki.issue(ca, "CN=expired,O=jmultifd test", TestPki.ecKeys(), TestPki.Purpose.SERVER,
                List.of("IP:127.0.0.1"), Instant.now().minus(Duration.ofDays(30)), Instant.now().minus(Duration.ofDays(1)));
        Path oldDst = TestPki.destinationDir(dir.resolve("expired-dst"), ca, expiredServer);
        try (MigrationDestination d = new MigrationDestination(params("tls-creds", oldDst.toString()))) {
            MigrationResult r = d.receive(Endpoint.tcp("127.0.0.1", 0), null);
            assertFailure(r, Cause.TLS, "tls-creds " + oldDst + ": server-cert.pem: 'CN=expired,O=jmultifd test' expired on ");
            assertTrue(d.boundPort().isEmpty(), "it never listened");
        }
    }

    @Test
    void anExpiredPeerCertificateIsRefusedByEitherSide() throws Exception {
        Instant from = Instant.now().minus(Duration.ofDays(30));
        Instant until = Instant.now().minus(Duration.ofDays(1));
        // A source whose certificate expired (a JDK client: the engine refuses to present an expired certificate).
        Issued oldClient = TestPki.issue(ca, "CN=old-source,O=jmultifd test", TestPki.ecKeys(), TestPki.Purpose.CLIENT,
                List.of(), from, until);
        try (LogCapture log = new LogCapture();
             Harness.Incoming in = new Harness.Incoming(params("tls-creds", dst.toString()), true)) {
            RawTls.connectAndHandshake(RawTls.context(oldClient, ca), HostilePeerTest.port(in), "TLSv1.3");
            awaitLog(log, "TLS handshake failed: the source's certificate 'CN=old-source,O=jmultifd test' expired on ");
        }
        // A destination whose certificate expired (a JDK server), seen by the source.
        Issued oldServer = TestPki.issue(ca, "CN=old-destination,O=jmultifd test", TestPki.ecKeys(),
                TestPki.Purpose.SERVER, List.of("IP:127.0.0.1"), from, until);
        try (RawTls.Server server = new RawTls.Server(RawTls.context(oldServer, ca));
             GuestMemory guest = Harness.mixedGuest(1 << 20, 512 << 10, 7)) {
            MigrationResult r = new MigrationSource(guest, null, params("tls-creds", src.toString()))
                    .migrate(Endpoint.tcp("127.0.0.1", server.port()), null);
            assertFailure(r, Cause.TLS, "the destination's certificate 'CN=old-destination,O=jmultifd test' expired on ");
        }
    }

    @Test
    void tlsOnTheSourceOnlyIsNamedOnBothEnds() throws Exception {
        MigrationParameters plain = params();
        try (LogCapture log = new LogCapture();
             Harness.Incoming in = new Harness.Incoming(plain, true);
             GuestMemory guest = Harness.mixedGuest(1 << 20, 512 << 10, 7)) {
            MigrationResult r = new MigrationSource(guest, null, params("tls-creds", src.toString()))
                    .migrate(in.sourceTarget, null);
            assertFailure(r, Cause.TLS, "the destination did not speak TLS: it answered as a jmultifd destination "
                    + "without tls-creds");
            assertEquals(0, r.ram().normalPages());
            awaitLog(log, "the peer spoke TLS (a TLS ClientHello), but this destination has no tls-creds");
            assertNull(in.destination.received());
            Harness.assertCompleted(new MigrationSource(guest, null, plain).migrate(in.sourceTarget, null), "plain source");
            Harness.assertCompleted(in.await(), "destination");
        }
    }

    @Test
    void tlsOnTheDestinationOnlyIsNamedOnBothEnds() throws Exception {
        MigrationParameters tls = params("tls-creds", dst.toString());
        try (LogCapture log = new LogCapture();
             Harness.Incoming in = new Harness.Incoming(tls, true);
             GuestMemory guest = Harness.mixedGuest(1 << 20, 512 << 10, 7)) {
            MigrationResult r = new MigrationSource(guest, null, params()).migrate(in.sourceTarget, null);
            assertFailure(r, Cause.REFUSED, "destination refused the migration: the peer did not speak TLS (a plain "
                    + "jmultifd hello), but this destination requires it (tls-creds is set)");
            assertEquals(0, r.ram().normalPages());
            awaitLog(log, "the peer did not speak TLS (a plain jmultifd hello)");
            assertNull(in.destination.received());
            MigrationResult secure = new MigrationSource(guest, null, params("tls-creds", src.toString()))
                    .migrate(in.sourceTarget, null);
            Harness.assertCompleted(secure, "TLS source");
            Harness.assertCompleted(in.await(), "destination");
        }
    }

    // --- every channel, every method ---

    @ParameterizedTest
    @ValueSource(strings = {"none", "zlib", "zstd", "qpl"})
    void fourChannelsOverTlsWithEveryMethod(String method) throws Exception {
        assertBothCompleted(migrate(
                params("tls-creds", dst.toString(), "tls-authz", CLIENT_DN, "multifd-channels", "4",
                        "multifd-compression", method),
                params("tls-creds", src.toString(), "multifd-channels", "4", "multifd-compression", method)));
    }
}
