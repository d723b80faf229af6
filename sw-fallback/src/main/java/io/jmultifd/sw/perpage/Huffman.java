package io.jmultifd.sw.perpage;

import io.jmultifd.spi.MethodParameters;
import java.util.Locale;
import java.util.Set;

/** {@code qpl-huffman}: which Huffman tables a per-page compressor uses. Decoders accept both. */
public enum Huffman {
    /** The fixed tables of RFC 1951 3.2.6: one pass, no table in the stream. */
    FIXED,
    /** Tables built from each page's statistics: smaller output, costs a second look at the data. */
    DYNAMIC;

    public static final String PARAMETER = "qpl-huffman";

    /** The word used on the command line and in the handshake. */
    public String parameterValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Reads {@code qpl-huffman}; a missing value gives {@code defaultValue}; a bad one is an error naming it. */
    public static Huffman from(MethodParameters parameters, Huffman defaultValue) {
        String word = parameters.get(PARAMETER, defaultValue.parameterValue());
        return switch (parameters.getChoice(PARAMETER, word, Set.of("fixed", "dynamic"))) {
            case "fixed" -> FIXED;
            default -> DYNAMIC;
        };
    }
}
