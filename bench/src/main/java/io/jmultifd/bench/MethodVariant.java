package io.jmultifd.bench;

import io.jmultifd.spi.CompressionMethod;
import io.jmultifd.spi.CompressionMethods;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A method as the benchmarks name it: {@code none}, {@code zlib}, {@code zstd}, or {@code qpl-software} /
 * {@code qpl-java} for the {@code qpl} method pinned to one tier ({@code qpl-path}) with fixed Huffman
 * tables, the configuration the C reference measures. For comparisons outside the default set:
 * {@code zstd-packet} ({@code zstd-stream=packet}: a frame per packet, as before one stream per channel) and
 * {@code qpl-software-dynamic} / {@code qpl-java-dynamic} ({@code qpl-huffman=dynamic}). Any other method name
 * found through the SPI is accepted as itself, with its default parameters.
 */
public record MethodVariant(String label, String method, Map<String, String> parameters) {
    public static final List<String> ALL = List.of("none", "zlib", "zstd", "qpl-software", "qpl-java");

    public static MethodVariant of(String label) {
        Map<String, String> p = new LinkedHashMap<>();
        return switch (label) {
            case "none", "zlib", "zstd" -> new MethodVariant(label, label, p);
            case "zstd-packet" -> {
                p.put("zstd-stream", "packet");
                yield new MethodVariant(label, "zstd", p);
            }
            case "qpl-software", "qpl-java", "qpl-hardware" -> {
                p.put("qpl-path", label.substring("qpl-".length()));
                p.put("qpl-huffman", "fixed");
                yield new MethodVariant(label, "qpl", p);
            }
            case "qpl-software-dynamic", "qpl-java-dynamic", "qpl-hardware-dynamic" -> {
                p.put("qpl-path", label.substring("qpl-".length(), label.length() - "-dynamic".length()));
                p.put("qpl-huffman", "dynamic");
                yield new MethodVariant(label, "qpl", p);
            }
            default -> {
                // Any other method on the class path (a third-party accelerator) runs with its defaults.
                if (CompressionMethods.all().stream().anyMatch(m -> m.name().equals(label))) {
                    yield new MethodVariant(label, label, p);
                }
                throw new IllegalArgumentException("method variant " + label + ": unknown; known: " + ALL
                        + " (and qpl-hardware where IAA exists, or any method name on the class path: "
                        + CompressionMethods.all().stream().map(CompressionMethod::name).toList() + ")");
            }
        };
    }

    /** The engine's parameters for this variant, plus the channel count. */
    public Map<String, String> migrationParameters(int channels) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("multifd-compression", method);
        m.put("multifd-channels", Integer.toString(channels));
        m.putAll(parameters);
        return m;
    }

    public CompressionMethod find() {
        return CompressionMethods.find(method);
    }
}
