package io.jmultifd.multifd.tls;

/**
 * One thing a check of a credentials directory found, about one file: an ERROR keeps TLS from starting, a WARNING
 * does not, OK says what is there.
 */
public record Finding(Level level, String file, String message) {
    public enum Level { OK, WARNING, ERROR }

    @Override
    public String toString() {
        return level.name().toLowerCase(java.util.Locale.ROOT) + ": " + file + ": " + message;
    }
}
