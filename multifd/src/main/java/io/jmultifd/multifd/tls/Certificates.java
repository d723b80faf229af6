package io.jmultifd.multifd.tls;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.List;

/** How certificates are named in findings and refusals: subject, host names, dates. */
final class Certificates {
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
            .withZone(ZoneOffset.UTC);

    private Certificates() {}

    /** {@code 'CN=x,O=y'}. */
    static String subject(X509Certificate c) {
        return "'" + c.getSubjectX500Principal().getName() + "'";
    }

    static String date(Date d) {
        return DAY.format(d.toInstant());
    }

    /** The host names and addresses in the subjectAltName: {@code DNS:a, IP:1.2.3.4}; empty when none. */
    static List<String> hostNames(X509Certificate c) {
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> sans = c.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    int type = (Integer) san.get(0);
                    if (type == 2) {
                        names.add("DNS:" + san.get(1));
                    } else if (type == 7) {
                        names.add("IP:" + san.get(1));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            names.add("(unreadable subjectAltName: " + e.getMessage() + ")");
        }
        return names;
    }

    /** What a source checks a host name against: the subjectAltName, or the CN when it has none. */
    static String describeHostNames(X509Certificate c) {
        List<String> names = hostNames(c);
        return names.isEmpty() ? "no subjectAltName, only its subject " + subject(c) : String.join(", ", names);
    }
}
