package io.jmultifd.accel.qpl;

import io.jmultifd.spi.ChannelContext;
import io.jmultifd.spi.ChannelSender;
import io.jmultifd.spi.CompressionMethod;
import io.jmultifd.spi.CompressionMethods;
import io.jmultifd.spi.MethodParameters;
import io.jmultifd.spi.MethodUnavailableException;
import io.jmultifd.spi.TierStatus;
import java.util.Map;

/**
 * Run by {@link NoLibqplForkedTest} in a JVM whose loader finds no libqpl: prints what the qpl method does there,
 * one {@code key=value} line each (newlines in values escaped), through the real ServiceLoader and loader.
 */
public final class NoLibqplMain {
    private NoLibqplMain() {}

    public static void main(String[] args) {
        CompressionMethod qpl = CompressionMethods.find("qpl");
        for (TierStatus t : qpl.tiers()) {
            print("tier." + t.tier(), t.available() + " " + t.detail());
        }
        print("auto", tierOf(qpl, "auto"));
        print("java", tierOf(qpl, "java"));
        print("software", tierOf(qpl, "software"));
        print("hardware", tierOf(qpl, "hardware"));
        for (Map.Entry<String, String> e : qpl.diagnostics().entrySet()) {
            print("diag." + e.getKey(), e.getValue());
        }
        print("done", "true");
    }

    private static String tierOf(CompressionMethod qpl, String path) {
        ChannelContext context = new ChannelContext(0, 4096, 8, MethodParameters.of("qpl-path", path));
        try (ChannelSender sender = qpl.newSender(context)) {
            return "tier " + ((PerPageSender) sender).tier();
        } catch (MethodUnavailableException e) {
            return "unavailable " + e.getMessage();
        }
    }

    private static void print(String key, String value) {
        System.out.println(key + "=" + value.replace("\n", "\\n"));
    }
}
