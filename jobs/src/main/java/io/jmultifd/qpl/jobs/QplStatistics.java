package io.jmultifd.qpl.jobs;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The counters of one channel's QPL executor, at one moment.
 *
 * <p>{@code pages<Tier>} counts the pages whose compression (or decompression) that tier completed, including
 * pages that did not shrink and so went raw; {@code pagesRaw} counts those raw pages (a subset). So
 * {@code pagesHardware + pagesSoftware + pagesJava} is the number of pages handled. A page first tried on
 * hardware and redone on software counts once, as software, plus one {@code fallbacks}.
 *
 * @param resubmissions submits repeated because the work queue was busy
 * @param fallbacks     pages moved from the hardware to the software path (busy too often, failed at submit
 *                      or at wait), plus compressions sent raw because the software path failed
 * @param bytesIn       bytes given to the executor (pages when compressing, streams when decompressing)
 * @param bytesOut      bytes it produced (streams, or {@code pageSize} per raw page; pages when decompressing)
 */
public record QplStatistics(long pagesHardware, long pagesSoftware, long pagesJava, long pagesRaw,
                            long resubmissions, long fallbacks, long bytesIn, long bytesOut) {

    public static final QplStatistics ZERO = new QplStatistics(0, 0, 0, 0, 0, 0, 0, 0);

    /** The counters under their snake_case names, in this order: pages_hardware, pages_software, pages_java,
     *  pages_raw, resubmissions, fallbacks, bytes_in, bytes_out. */
    public Map<String, Long> asMap() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("pages_hardware", pagesHardware);
        m.put("pages_software", pagesSoftware);
        m.put("pages_java", pagesJava);
        m.put("pages_raw", pagesRaw);
        m.put("resubmissions", resubmissions);
        m.put("fallbacks", fallbacks);
        m.put("bytes_in", bytesIn);
        m.put("bytes_out", bytesOut);
        return m;
    }

    public QplStatistics plus(QplStatistics o) {
        return new QplStatistics(pagesHardware + o.pagesHardware, pagesSoftware + o.pagesSoftware,
                pagesJava + o.pagesJava, pagesRaw + o.pagesRaw, resubmissions + o.resubmissions,
                fallbacks + o.fallbacks, bytesIn + o.bytesIn, bytesOut + o.bytesOut);
    }
}
