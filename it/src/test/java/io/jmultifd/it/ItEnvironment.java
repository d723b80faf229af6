package io.jmultifd.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * What ci/it-env.sh prepared (image names) and what the build produced (the CLI distribution), read once; every
 * missing piece is an error that names it and says how to get it.
 */
final class ItEnvironment {
    /** Label on every container the tests start, so ci/it-env.sh can remove leftovers of a killed run. */
    static final String LABEL = "io.jmultifd.it";
    /** Where the distribution is mounted in the containers. */
    static final String DIST_IN_CONTAINER = "/opt/jmultifd";

    private ItEnvironment() {
    }

    static String image() {
        return requiredEnv("JMULTIFD_IT_IMAGE");
    }

    static String imageWithoutQpl() {
        return requiredEnv("JMULTIFD_IT_IMAGE_NOQPL");
    }

    private static String requiredEnv(String name) {
        String value = System.getenv(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("environment variable " + name + " is not set: run the integration tests"
                    + " through ci/it-env.sh (e.g. bash ci/it-env.sh mvn -pl it -am verify), which builds the images");
        }
        return value;
    }

    /** multifd/target: the CLI jar and lib/ with every runtime dependency (methods included). */
    static Path distDirectory() {
        String dir = System.getProperty("jmultifd.dist");
        if (dir == null) {
            throw new IllegalStateException("system property jmultifd.dist is not set (the it module's pom sets it)");
        }
        return Path.of(dir).toAbsolutePath().normalize();
    }

    static Path cliJar() {
        Path dir = distDirectory();
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> jars = files.filter(p -> {
                String n = p.getFileName().toString();
                return n.startsWith("multifd-") && n.endsWith(".jar") && !n.endsWith("-sources.jar")
                        && !n.endsWith("-javadoc.jar") && !n.endsWith("-tests.jar");
            }).toList();
            if (jars.size() != 1) {
                throw new IllegalStateException("expected one multifd-*.jar in " + dir + ", found " + jars
                        + ": build with mvn -pl it -am verify (which packages multifd first)");
            }
            return jars.getFirst();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the distribution directory " + dir
                    + " (build with mvn -pl it -am verify)", e);
        }
    }

    static Path libDirectory() {
        Path lib = distDirectory().resolve("lib");
        if (!Files.isDirectory(lib)) {
            throw new IllegalStateException("no " + lib + ": the multifd build copies its runtime dependencies there"
                    + " (maven-dependency-plugin copy-dependencies); build with mvn -pl it -am verify");
        }
        return lib;
    }

    /** A TCP port free on 127.0.0.1 now; the containers share the host's network, so they can bind it. */
    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port on 127.0.0.1", e);
        }
    }

    /**
     * True when some process of this network namespace listens on 127.0.0.1 (or any address) at {@code port}.
     * Read from /proc/net/tcp so the check does not connect: the destination takes the first connection as a
     * migration channel.
     */
    static boolean listening(int port) {
        String hexPort = String.format(Locale.ROOT, ":%04X", port);
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            try {
                for (String line : Files.readAllLines(Path.of(table))) {
                    String[] f = line.trim().split("\\s+");
                    // sl local_address rem_address st ...; st 0A is LISTEN
                    if (f.length > 3 && f[1].endsWith(hexPort) && f[3].equals("0A")) {
                        return true;
                    }
                }
            } catch (IOException e) {
                // tcp6 may be absent; tcp is always there on Linux
            }
        }
        return false;
    }

    /**
     * Established TCP connections of this network namespace whose remote end is 127.0.0.1:{@code port}. Java's
     * sockets are dual-stack, so an IPv4 connection may be listed in tcp6 as an IPv4-mapped address.
     */
    static int establishedTo(int port) {
        String v4 = String.format(Locale.ROOT, "0100007F:%04X", port);
        String v4Mapped = String.format(Locale.ROOT, "0000000000000000FFFF00000100007F:%04X", port);
        int n = 0;
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            try {
                for (String line : Files.readAllLines(Path.of(table))) {
                    String[] f = line.trim().split("\\s+");
                    // sl local_address rem_address st ...; st 01 is ESTABLISHED
                    if (f.length > 3 && (f[2].equals(v4) || f[2].equals(v4Mapped)) && f[3].equals("01")) {
                        n++;
                    }
                }
            } catch (IOException e) {
                // tcp6 may be absent; tcp is always there on Linux
            }
        }
        return n;
    }

    /** Polls {@code condition} every 50 ms until it holds or {@code limit} passes; false on timeout. */
    static boolean await(Duration limit, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(50);
        }
        return condition.getAsBoolean();
    }
}
