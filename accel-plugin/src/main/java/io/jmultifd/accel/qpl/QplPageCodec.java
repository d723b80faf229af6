package io.jmultifd.accel.qpl;

import io.jmultifd.qpl.jobs.CorruptStreamException;
import io.jmultifd.qpl.jobs.PageExecutor;
import io.jmultifd.spi.CorruptPayloadException;
import io.jmultifd.spi.MethodStatistics;
import io.jmultifd.sw.perpage.PageCodec;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Objects;

/**
 * The hardware and software tiers: a {@link PageCodec} over a QPL {@link PageExecutor} of the jobs module.
 * Public for the bench module, which measures the software executor through exactly this adapter.
 */
public final class QplPageCodec implements PageCodec {
    private final PageExecutor executor;

    public QplPageCodec(PageExecutor executor) {
        this.executor = Objects.requireNonNull(executor, "executor");
    }

    @Override
    public String tier() {
        return executor.tier();
    }

    @Override
    public void compress(List<MemorySegment> pages, List<MemorySegment> slots, int[] lengths) {
        executor.compress(pages, slots, lengths);
    }

    @Override
    public void decompress(List<MemorySegment> streams, List<MemorySegment> pages) throws CorruptPayloadException {
        try {
            executor.decompress(streams, pages);
        } catch (CorruptStreamException e) {
            throw new CorruptPayloadException(e.pageIndex(), e.getMessage(), e);
        }
    }

    /** All eight counters (see README), in their fixed order. */
    @Override
    public MethodStatistics statistics() {
        return new MethodStatistics(executor.statistics().asMap());
    }

    @Override
    public void close() {
        executor.close();
    }
}
