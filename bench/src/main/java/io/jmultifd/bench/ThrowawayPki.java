package io.jmultifd.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Throwaway x509 credentials for the TLS benchmark: a CA, a destination certificate for 127.0.0.1 and localhost
 * and a source certificate, made with {@code openssl} by the commands docs/tls.md gives users (EC P-256 keys; valid
 * for two days),
 * laid out as QEMU's tls-creds directories ({@code dst/}, {@code src/}). The engine has no certificate maker of its
 * own (BouncyCastle is a test dependency only), and this way the benchmark measures the credentials users make.
 * {@link #close()} deletes them.
 */
final class ThrowawayPki implements AutoCloseable {
    /** The source's subject as openssl takes it, and as tls-authz names it (RFC 4514). */
    static final String CLIENT_SUBJECT = "/O=jmultifd bench/CN=bench-source";
    static final String CLIENT_DN = "CN=bench-source,O=jmultifd bench";

    private final Path dir;
    private final String opensslVersion;

    private ThrowawayPki(Path dir, String opensslVersion) {
        this.dir = dir;
        this.opensslVersion = opensslVersion;
    }

    /** Makes the credentials in a new directory under {@code parent}; a missing or failing openssl says so. */
    static ThrowawayPki create(Path parent) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory(parent, "tls-pki-");
        try {
            String version = openssl(dir, "version").strip();
            Files.writeString(dir.resolve("server.ext"), """
                    basicConstraints = critical, CA:FALSE
                    keyUsage = critical, digitalSignature
                    extendedKeyUsage = serverAuth
                    subjectAltName = DNS:localhost, IP:127.0.0.1
                    """);
            Files.writeString(dir.resolve("client.ext"), """
                    basicConstraints = critical, CA:FALSE
                    keyUsage = critical, digitalSignature
                    extendedKeyUsage = clientAuth
                    """);
            openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-noenc",
                    "-keyout", "ca-key.pem", "-out", "ca-cert.pem", "-days", "2",
                    "-subj", "/O=jmultifd bench/CN=jmultifd bench CA",
                    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
            issue(dir, "server", "/O=jmultifd bench/CN=localhost");
            issue(dir, "client", CLIENT_SUBJECT);
            copy(dir, "dst", "ca-cert.pem", "server-cert.pem", "server-key.pem");
            copy(dir, "src", "ca-cert.pem", "client-cert.pem", "client-key.pem");
            return new ThrowawayPki(dir, version);
        } catch (IOException | InterruptedException | RuntimeException e) {
            delete(dir);
            throw e;
        }
    }

    /** The destination's tls-creds directory. */
    Path destination() {
        return dir.resolve("dst");
    }

    /** The source's tls-creds directory (mutual TLS: it holds the client certificate). */
    Path source() {
        return dir.resolve("src");
    }

    String opensslVersion() {
        return opensslVersion;
    }

    private static void issue(Path dir, String who, String subject) throws IOException, InterruptedException {
        openssl(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-noenc", "-keyout",
                who + "-key.pem", "-out", who + ".csr", "-subj", subject);
        openssl(dir, "x509", "-req", "-in", who + ".csr", "-CA", "ca-cert.pem", "-CAkey", "ca-key.pem", "-days", "2",
                "-extfile", who + ".ext", "-out", who + "-cert.pem");
    }

    private static void copy(Path dir, String to, String... files) throws IOException {
        Path target = Files.createDirectory(dir.resolve(to));
        for (String f : files) {
            Files.copy(dir.resolve(f), target.resolve(f));
            if (f.endsWith("-key.pem")) { // as docs/tls.md's chmod 600: the engine warns about a key others may read
                Files.setPosixFilePermissions(target.resolve(f), PosixFilePermissions.fromString("rw-------"));
            }
        }
    }

    /** Runs openssl in {@code dir}; its output, or an IOException with what it printed. */
    private static String openssl(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("the TLS benchmark makes its throwaway credentials with openssl, which cannot be run ("
                    + e.getMessage() + "); install it (Debian: apt-get install openssl)", e);
        }
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("openssl " + String.join(" ", args) + " did not finish within 60 s");
        }
        if (p.exitValue() != 0) {
            throw new IOException("openssl " + String.join(" ", args) + " failed (exit " + p.exitValue() + "): "
                    + output.strip());
        }
        return output;
    }

    @Override
    public void close() throws IOException {
        delete(dir);
    }

    private static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
