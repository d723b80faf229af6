package io.jmultifd.qpl.jobs;

/** The mutable counters behind {@link QplStatistics}; one per executor, touched by one thread. */
final class Counters {
    long pagesHardware;
    long pagesSoftware;
    long pagesRaw;
    long resubmissions;
    long fallbacks;
    long bytesIn;
    long bytesOut;

    QplStatistics snapshot() {
        return new QplStatistics(pagesHardware, pagesSoftware, 0, pagesRaw, resubmissions, fallbacks, bytesIn,
                bytesOut);
    }
}
