package io.jmultifd.multifd.guest;

import java.util.Locale;

/**
 * {@code guest-hugepages}: whether anonymous guest RAM asks for transparent huge pages. {@link #AUTO}, the default,
 * asks for them unless the machine hands its free memory back to a hypervisor ({@link FreePageReporting}): there a
 * huge page is a fresh host allocation at its first write, which costs more than its 512 small pages.
 */
public enum HugePagePolicy {
    ON,
    OFF,
    AUTO;

    public String parameterValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static HugePagePolicy parse(String name, String value) {
        for (HugePagePolicy p : values()) {
            if (p.parameterValue().equals(value)) {
                return p;
            }
        }
        throw new IllegalArgumentException(name + "=" + value + ": must be one of [auto, off, on]");
    }
}
