package io.jmultifd.multifd;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ParametersTest {

    private static String error(Map<String, String> m) {
        return assertThrows(IllegalArgumentException.class, () -> MigrationParameters.from(m)).getMessage();
    }

    @Test
    void defaults() {
        MigrationParameters p = MigrationParameters.defaults();
        assertEquals(2, p.channels());
        assertEquals("none", p.methodName());
        assertEquals(ZeroPageMode.MULTIFD, p.zeroPageMode());
        assertEquals(0, p.maxBandwidth());
        assertEquals(300, p.downtimeLimitMs());
        assertEquals(4096, p.pageSize());
        assertEquals(128, p.packetPages());
        assertEquals(30000, p.peerTimeoutMs());
        assertEquals(10000, p.setupTimeoutMs());
        assertEquals(60000, p.convergenceTimeoutMs());
        assertEquals(false, p.forceConverge());
    }

    @Test
    void unknownNameListsTheKnownOnes() {
        String e = error(Map.of("multifd-chanels", "2"));
        assertTrue(e.startsWith("unknown parameter multifd-chanels; known: "), e);
        assertTrue(e.contains("multifd-channels") && e.contains("test-xor-key"), e);
    }

    @Test
    void badNumber() {
        assertEquals("multifd-channels=two: not a number", error(Map.of("multifd-channels", "two")));
        assertEquals("multifd-channels=0: must be between 1 and 255", error(Map.of("multifd-channels", "0")));
        assertEquals("max-bandwidth=-5: must not be negative", error(Map.of("max-bandwidth", "-5")));
        assertEquals("page-size=5000: must be a power of two", error(Map.of("page-size", "5000")));
        assertEquals("max-bandwidth=99999999999T: too large", error(Map.of("max-bandwidth", "99999999999T")));
        assertEquals("setup-timeout=0: must be between 1 and 86400000", error(Map.of("setup-timeout", "0")));
        assertEquals("setup-timeout=soon: not a number", error(Map.of("setup-timeout", "soon")));
        assertEquals("max-guest-size=0: must be between 1 and 9223372036854775807", error(Map.of("max-guest-size", "0")));
    }

    @Test
    void badChoice() {
        assertEquals("multifd-zero-page=sometimes: must be one of [legacy, multifd, none]",
                error(Map.of("multifd-zero-page", "sometimes")));
        assertEquals("force-converge=yes: must be one of [false, true]", error(Map.of("force-converge", "yes")));
        assertEquals("prealloc=1: must be one of [false, true]", error(Map.of("prealloc", "1")));
        String e = error(Map.of("multifd-compression", "lz77"));
        assertTrue(e.startsWith("multifd-compression=lz77: unknown method; available: "), e);
        assertTrue(e.contains("none"), e);
    }

    @Test
    void methodParametersAreCheckedByTheMethod() {
        assertEquals("test-xor-key=300: must be between 0 and 255",
                error(Map.of("multifd-compression", XorMethod.NAME, "test-xor-key", "300")));
        MigrationParameters p = MigrationParameters.from(Map.of("multifd-compression", XorMethod.NAME, "test-xor-key", "7"));
        assertEquals(Map.of("test-xor-key", "7"), p.methodHandshake());
    }

    @Test
    void sizeSuffixes() {
        assertEquals(100L << 20, MigrationParameters.from(Map.of("max-bandwidth", "100M")).maxBandwidth());
        assertEquals(8L << 10, MigrationParameters.from(Map.of("max-bandwidth", "8k")).maxBandwidth());
        assertEquals(2L << 30, MigrationParameters.from(Map.of("max-guest-size", "2G")).maxGuestSize());
    }

    @Test
    void endpoints() {
        assertEquals(new Endpoint.Tcp("127.0.0.1", 4444), Endpoint.parse("tcp:127.0.0.1:4444"));
        assertEquals(new Endpoint.Tcp("::1", 5), Endpoint.parse("tcp:[::1]:5"));
        assertEquals(new Endpoint.InProcess("x"), Endpoint.parse("inprocess:x"));
        assertEquals("endpoint udp:1:2: expected tcp:HOST:PORT",
                assertThrows(IllegalArgumentException.class, () -> Endpoint.parse("udp:1:2")).getMessage());
        assertEquals("endpoint tcp:h:99999: port must be 0..65535",
                assertThrows(IllegalArgumentException.class, () -> Endpoint.parse("tcp:h:99999")).getMessage());
        assertEquals("endpoint tcp:h:x: port is not a number",
                assertThrows(IllegalArgumentException.class, () -> Endpoint.parse("tcp:h:x")).getMessage());
    }

    @Test
    void tlsParametersNeedTlsCredsAndFitTogether() {
        assertEquals(false, MigrationParameters.defaults().tls().enabled());
        assertEquals("tls-hostname=dst.example needs tls-creds=DIR (TLS is off without it)",
                error(Map.of("tls-hostname", "dst.example")));
        assertEquals("tls-authz=CN=a needs tls-creds=DIR (TLS is off without it)", error(Map.of("tls-authz", "CN=a")));
        assertEquals("tls-verify-peer=off needs tls-creds=DIR (TLS is off without it)",
                error(Map.of("tls-verify-peer", "off")));
        assertEquals("tls-min-version=1.2 needs tls-creds=DIR (TLS is off without it)",
                error(Map.of("tls-min-version", "1.2")));
        assertEquals("tls-min-version=1.1: must be one of [1.2, 1.3]",
                error(Map.of("tls-creds", "/etc/pki/qemu", "tls-min-version", "1.1")));
        assertEquals("tls-verify-peer=maybe: must be one of [off, on]",
                error(Map.of("tls-creds", "/etc/pki/qemu", "tls-verify-peer", "maybe")));
        assertEquals("tls-authz needs client certificates, and tls-verify-peer=off admits clients without one",
                error(Map.of("tls-creds", "/etc/pki/qemu", "tls-authz", "CN=a", "tls-verify-peer", "off")));
        assertTrue(error(Map.of("tls-creds", "/etc/pki/qemu", "tls-authz", "CN=a;nonsense")).startsWith(
                "tls-authz=CN=a;nonsense: 'nonsense' is not a distinguished name"));
        MigrationParameters p = MigrationParameters.from(Map.of("tls-creds", "/etc/pki/qemu", "tls-hostname", "dst.example",
                "tls-authz", "CN=src,O=Example", "tls-min-version", "1.2"));
        assertEquals(java.nio.file.Path.of("/etc/pki/qemu"), p.tls().creds());
        assertEquals("dst.example", p.tls().hostname());
        assertEquals(java.util.List.of("TLSv1.3", "TLSv1.2"), java.util.List.of(p.tls().protocols()));
        assertTrue(p.tls().verifyPeer());
    }
}
