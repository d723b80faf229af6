package io.jmultifd.cli;

import io.jmultifd.multifd.tls.Finding;
import io.jmultifd.multifd.tls.TlsSelfTest;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jmultifd tls-selftest DIR}: what a tls-creds directory holds, what is wrong with it, and a test handshake. */
@Command(name = "tls-selftest", mixinStandardHelpOptions = true,
        description = {"Check a tls-creds directory (QEMU's x509 layout: ca-cert.pem; server-cert.pem and server-key.pem "
                + "for a destination; client-cert.pem and client-key.pem for a source): every certificate and key, and, "
                + "when it holds both ends' files, a TLS handshake between them in memory.",
                "Exit code 0 when nothing is wrong (warnings allowed), 1 when something is."})
final class TlsSelfTestCommand implements Callable<Integer> {
    private final CliContext context;

    @Parameters(paramLabel = "DIR", description = "The credentials directory (tls-creds=DIR).")
    Path dir;

    @Option(names = "--hostname", paramLabel = "NAME",
            description = "The host name the handshake checks server-cert.pem against, as a source's tls-hostname "
                    + "(default: the first name in the certificate).")
    String hostname;

    TlsSelfTestCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public Integer call() {
        PrintWriter out = context.out();
        List<Finding> findings = TlsSelfTest.check(dir, hostname);
        findings.forEach(out::println);
        long errors = findings.stream().filter(f -> f.level() == Finding.Level.ERROR).count();
        long warnings = findings.stream().filter(f -> f.level() == Finding.Level.WARNING).count();
        out.println("tls-creds " + dir + ": " + (errors == 0 ? "usable" : "NOT usable") + ", " + errors + " error"
                + (errors == 1 ? "" : "s") + ", " + warnings + " warning" + (warnings == 1 ? "" : "s"));
        return errors == 0 ? Main.EXIT_OK : Main.EXIT_FAILED;
    }
}
