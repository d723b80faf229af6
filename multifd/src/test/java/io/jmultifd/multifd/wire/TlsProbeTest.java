package io.jmultifd.multifd.wire;

import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TlsProbeTest {
    @Test
    void aClientHelloRecordIsToldFromJmultifdMagics() {
        assertTrue(TlsProbe.opensClientHello(0x16030100));
        assertTrue(TlsProbe.opensClientHello(0x16030302));
        assertFalse(TlsProbe.opensClientHello(Wire.MAGIC_MAIN));
        assertFalse(TlsProbe.opensClientHello(Wire.MAGIC_CHANNEL));
        assertFalse(TlsProbe.opensClientHello(0x15030300), "an alert is no ClientHello");
        assertFalse(TlsProbe.opensClientHello(0x16020000), "SSL 2 is no TLS");
    }

    @Test
    void aServerSpeaksTlsWhenItsFirstBytesAreAnyRecord() {
        assertTrue(TlsProbe.isTlsRecord(new byte[] {0x16, 3}, 2));
        assertTrue(TlsProbe.isTlsRecord(new byte[] {0x15, 3, 3}, 3));
        assertFalse(TlsProbe.isTlsRecord(new byte[] {'J', 'M'}, 2));
        assertFalse(TlsProbe.isTlsRecord(new byte[] {'H', 'T'}, 2));
    }

    @Test
    void whatCameInsteadOfTlsIsNamed() {
        MessageWriter w = new MessageWriter();
        new DestinationHello(Wire.VERSION).encode(w);
        byte[] plain = w.toBytes();
        assertEquals("the destination did not speak TLS: it answered as a jmultifd destination without tls-creds "
                + "(set tls-creds on both ends, or on neither)", TlsProbe.notTls(plain, plain.length));
        byte[] http = "HTTP/1.0 400 Bad Request\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertEquals("the destination did not speak TLS: not a jmultifd peer (it sent 'HTTP/1.0 400 Bad Request')",
                TlsProbe.notTls(http, http.length));
    }
}
