package io.jmultifd.accel.qpl;

import io.jmultifd.spi.MethodStatistics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code qpl} method's counters: the same eight, in the same order, for every sender and receiver whatever its
 * tier, so that the engine's sums over channels line up. Each is counted once: the tier's work by its codec
 * ({@code pages_<tier>}, {@code resubmissions}, {@code fallbacks}), raw pages and bytes by the packet format.
 */
final class QplCounters {
    /** Counted by the codec of the tier. */
    static final List<String> CODEC = List.of("pages_hardware", "pages_software", "pages_java", "resubmissions",
            "fallbacks");

    private QplCounters() {}

    /**
     * @param codec    the codec's counters; those it does not have are 0
     * @param pagesRaw pages sent raw (sender) or raw pages copied (receiver)
     * @param bytesIn  guest page bytes (sender) or payload bytes, length header included (receiver)
     * @param bytesOut payload bytes, length header included (sender) or page bytes (receiver)
     */
    static MethodStatistics of(MethodStatistics codec, long pagesRaw, long bytesIn, long bytesOut) {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("pages_hardware", codec.get("pages_hardware"));
        m.put("pages_software", codec.get("pages_software"));
        m.put("pages_java", codec.get("pages_java"));
        m.put("pages_raw", pagesRaw);
        m.put("resubmissions", codec.get("resubmissions"));
        m.put("fallbacks", codec.get("fallbacks"));
        m.put("bytes_in", bytesIn);
        m.put("bytes_out", bytesOut);
        return new MethodStatistics(m);
    }
}
