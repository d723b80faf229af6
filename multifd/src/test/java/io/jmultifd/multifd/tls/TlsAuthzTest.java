package io.jmultifd.multifd.tls;

import org.junit.jupiter.api.Test;

import javax.security.auth.x500.X500Principal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TlsAuthzTest {
    static X500Principal dn(String s) {
        return new X500Principal(s);
    }

    @Test
    void namesMatchInCanonicalForm() {
        TlsAuthz a = TlsAuthz.parse("CN=src1.example.com,O=Example ; cn=SRC2.example.com, o=example");
        assertEquals(2, a.names().size());
        assertTrue(a.admits(dn("CN=src1.example.com,O=Example")));
        assertTrue(a.admits(dn("cn=SRC1.EXAMPLE.COM, o=example")));
        assertTrue(a.admits(dn("CN=src2.example.com,O=Example")));
        assertFalse(a.admits(dn("CN=src3.example.com,O=Example")));
        assertFalse(a.admits(dn("CN=src1.example.com,O=Other")));
        assertFalse(a.admits(dn("CN=src1.example.com")), "every attribute counts");
    }

    @Test
    void aStarMatchesAnyCharacters() {
        TlsAuthz a = TlsAuthz.parse("CN=*.example.com,O=Example");
        assertTrue(a.admits(dn("CN=a.example.com,O=Example")));
        assertTrue(a.admits(dn("CN=b.c.example.com,O=Example")));
        assertFalse(a.admits(dn("CN=a.example.org,O=Example")));
    }

    @Test
    void anEscapedSemicolonStaysInTheName() {
        TlsAuthz a = TlsAuthz.parse("CN=a\\;b,O=Example");
        assertEquals(1, a.names().size());
        assertTrue(a.admits(dn("CN=a\\;b,O=Example")));
    }

    @Test
    void somethingThatIsNotANameIsRefusedNamingIt() {
        String e = assertThrows(IllegalArgumentException.class, () -> TlsAuthz.parse("CN=ok;hello world")).getMessage();
        assertTrue(e.startsWith("'hello world' is not a distinguished name (e.g. CN=source.example.com,O=Example)"), e);
        assertEquals("names no distinguished name", assertThrows(IllegalArgumentException.class,
                () -> TlsAuthz.parse(" ; ")).getMessage());
    }
}
