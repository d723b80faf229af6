package io.jmultifd.qpl.jobs;

/**
 * The execution paths of a QPL job ({@code qpl_path_t}). {@code qpl_path_auto} is left out on purpose: the
 * {@code qpl} method decides the path itself, per channel, so that it can say which one it uses and why.
 */
public enum QplPath {
    /** {@code qpl_path_hardware}: an IAA work queue. */
    HARDWARE(1),
    /** {@code qpl_path_software}: QPL's own code on the CPU. */
    SOFTWARE(2);

    private final int code;

    QplPath(int code) {
        this.code = code;
    }

    /** The {@code qpl_path_t} value (checked against the bindings by a test). */
    public int code() {
        return code;
    }

    /** {@code "hardware"} or {@code "software"}: the tier names used in statistics and messages. */
    public String tierName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
