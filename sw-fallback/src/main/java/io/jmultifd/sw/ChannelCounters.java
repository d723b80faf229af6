package io.jmultifd.sw;

import io.jmultifd.spi.MethodStatistics;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Pages and bytes through one channel's sender or receiver. Bytes in/out are seen from the object counting:
 * a sender takes guest page bytes in and puts payload bytes out, a receiver the other way round. Confined to
 * the channel's thread like the sender or receiver that owns it.
 */
public final class ChannelCounters {
    private long pages;
    private long bytesIn;
    private long bytesOut;

    /** Counts one packet. */
    public void add(long pageCount, long in, long out) {
        pages += pageCount;
        bytesIn += in;
        bytesOut += out;
    }

    /** {@code pages}, {@code bytes_in}, {@code bytes_out}. */
    public MethodStatistics statistics() {
        Map<String, Long> counters = new LinkedHashMap<>();
        counters.put("pages", pages);
        counters.put("bytes_in", bytesIn);
        counters.put("bytes_out", bytesOut);
        return new MethodStatistics(counters);
    }
}
