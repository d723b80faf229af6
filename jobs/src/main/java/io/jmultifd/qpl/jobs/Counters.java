package io.jmultifd.qpl.jobs;

import io.jmultifd.spi.MethodStatistics;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one executor did, by tier; one per executor, touched by one thread. Raw pages and bytes are the packet
 * format's counters (the {@code qpl} method counts them once, for every tier), not these.
 */
final class Counters {
    /** Pages whose compression or inflate the batch path completed (pages that went raw included). */
    long pagesHardware;
    /** Pages the software path completed: its own, or taken over from the batch path. */
    long pagesSoftware;
    /** Submits repeated because the work queues were busy. */
    long resubmissions;
    /** Pages moved from the batch path to the software path, plus software compressions that failed (sent raw). */
    long fallbacks;

    /** {@code pages_hardware}, {@code pages_software}, {@code resubmissions}, {@code fallbacks}, in this order. */
    MethodStatistics snapshot() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("pages_hardware", pagesHardware);
        m.put("pages_software", pagesSoftware);
        m.put("resubmissions", resubmissions);
        m.put("fallbacks", fallbacks);
        return new MethodStatistics(m);
    }
}
