package io.jmultifd.multifd.tls;

import javax.security.auth.x500.X500Principal;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The destination's {@code tls-authz}: the client certificate subjects it admits, as QEMU's authz-list of
 * distinguished names. A list of RFC 4514 names separated by {@code ;} (which a name must escape, so it cannot
 * split one), e.g. {@code CN=src1.example.com,O=Example;CN=src2.example.com,O=Example}. A name matches a subject
 * equal to it after canonical form (attribute types, case and spacing do not matter); {@code *} in a value
 * matches any characters, as QEMU's glob format ({@code CN=*.example.com,O=Example}).
 */
public final class TlsAuthz {
    private final List<String> names;
    private final List<Pattern> patterns;

    private TlsAuthz(List<String> names, List<Pattern> patterns) {
        this.names = names;
        this.patterns = patterns;
    }

    /** Parses the parameter's value; a part that is not a distinguished name is an IllegalArgumentException naming it. */
    public static TlsAuthz parse(String value) {
        List<String> names = new ArrayList<>();
        List<Pattern> patterns = new ArrayList<>();
        for (String part : value.split("(?<!\\\\);")) {
            String name = part.strip();
            if (name.isEmpty()) {
                continue;
            }
            String canonical;
            try {
                canonical = new X500Principal(name).getName(X500Principal.CANONICAL);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'" + name + "' is not a distinguished name (e.g. "
                        + "CN=source.example.com,O=Example): " + e.getMessage());
            }
            names.add(name);
            StringBuilder regex = new StringBuilder();
            for (String piece : canonical.split("\\*", -1)) {
                if (!regex.isEmpty()) {
                    regex.append(".*");
                }
                regex.append(Pattern.quote(piece));
            }
            patterns.add(Pattern.compile(regex.toString()));
        }
        if (names.isEmpty()) {
            throw new IllegalArgumentException("names no distinguished name");
        }
        return new TlsAuthz(List.copyOf(names), List.copyOf(patterns));
    }

    /** Whether a client whose certificate subject is {@code subject} is admitted. */
    public boolean admits(X500Principal subject) {
        String canonical = subject.getName(X500Principal.CANONICAL);
        for (Pattern p : patterns) {
            if (p.matcher(canonical).matches()) {
                return true;
            }
        }
        return false;
    }

    /** The names as given. */
    public List<String> names() {
        return names;
    }

    @Override
    public String toString() {
        return String.join(";", names);
    }
}
