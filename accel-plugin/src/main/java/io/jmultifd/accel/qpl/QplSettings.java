package io.jmultifd.accel.qpl;

import io.jmultifd.qpl.jobs.HardwareBatchExecutor;
import io.jmultifd.spi.MethodParameters;
import io.jmultifd.sw.perpage.Huffman;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The {@code qpl} method's parameters, read and checked once per channel.
 *
 * @param path          {@code qpl-path}
 * @param submitRetries {@code qpl-submit-retries}
 * @param huffman       {@code qpl-huffman}
 */
record QplSettings(PathChoice path, int submitRetries, Huffman huffman) {
    static final String PATH = "qpl-path";
    static final String SUBMIT_RETRIES = "qpl-submit-retries";
    static final String HUFFMAN = Huffman.PARAMETER;
    static final int DEFAULT_SUBMIT_RETRIES = 3;

    /** {@code qpl-path}: a tier, or auto. */
    enum PathChoice {
        AUTO, HARDWARE, SOFTWARE, JAVA;

        String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put(PATH, PathChoice.AUTO.word());
        d.put(SUBMIT_RETRIES, Integer.toString(DEFAULT_SUBMIT_RETRIES));
        d.put(HUFFMAN, Huffman.FIXED.parameterValue());
        return d;
    }

    /** @throws IllegalArgumentException naming the parameter and the bad value */
    static QplSettings from(MethodParameters parameters) {
        String path = parameters.getChoice(PATH, PathChoice.AUTO.word(), Set.of("auto", "hardware", "software", "java"));
        int retries = parameters.getInt(SUBMIT_RETRIES, DEFAULT_SUBMIT_RETRIES, 0,
                HardwareBatchExecutor.MAX_SUBMIT_RETRIES);
        Huffman huffman = Huffman.from(parameters, Huffman.FIXED);
        return new QplSettings(PathChoice.valueOf(path.toUpperCase(Locale.ROOT)), retries, huffman);
    }

    boolean dynamicHuffman() {
        return huffman == Huffman.DYNAMIC;
    }
}
