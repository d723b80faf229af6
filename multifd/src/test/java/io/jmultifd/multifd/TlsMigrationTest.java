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

    @Test
    void matchingCertificatesWithTheDefaultHostName() throws Exception {
        assertBothCompleted(migrate(params("tls-creds", dst.toString()), params("tls-creds", src.toString())));
    }
}
