package io.jmultifd.accel.qpl;

import io.jmultifd.qpl.jobs.QplStatistics;
import io.jmultifd.spi.CorruptPayloadException;
import io.jmultifd.spi.MethodStatistics;
import io.jmultifd.sw.perpage.JavaDeflatePageCodec;
import io.jmultifd.sw.perpage.PageCodec;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The java tier: sw-fallback's {@link JavaDeflatePageCodec}, reporting the same eight counters as the QPL
 * tiers so that the engine's sums over channels line up whatever tier each channel got.
 */
final class JavaTierCodec implements PageCodec {
    private final JavaDeflatePageCodec codec;
    private final int pageSize;
    private long pagesRaw;

    JavaTierCodec(JavaDeflatePageCodec codec, int pageSize) {
        this.codec = codec;
        this.pageSize = pageSize;
    }

    @Override
    public String tier() {
        return codec.tier();
    }

    @Override
    public void compress(List<MemorySegment> pages, List<MemorySegment> slots, int[] lengths) {
        codec.compress(pages, slots, lengths);
        for (int i = 0; i < pages.size(); i++) {
            if (lengths[i] == pageSize) {
                pagesRaw++;
            }
        }
    }

    @Override
    public void decompress(List<MemorySegment> streams, List<MemorySegment> pages) throws CorruptPayloadException {
        codec.decompress(streams, pages);
    }

    @Override
    public MethodStatistics statistics() {
        MethodStatistics own = codec.statistics();
        return new MethodStatistics(new QplStatistics(0, 0, own.get("pages_java"), pagesRaw, 0, 0,
                own.get("bytes_in"), own.get("bytes_out")).asMap());
    }

    @Override
    public void close() {
        codec.close();
    }
}
