package io.jmultifd.accel.qpl;

import io.jmultifd.qpl.jobs.HardwareBatchExecutor;
import io.jmultifd.qpl.jobs.QplCalls;
import io.jmultifd.qpl.jobs.QplException;
import io.jmultifd.qpl.jobs.QplPath;
import io.jmultifd.qpl.jobs.SoftwarePageExecutor;
import io.jmultifd.spi.ChannelContext;
import io.jmultifd.spi.PageCodec;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Opens the QPL tiers of one channel: the jobs module's executors, which are {@link PageCodec}s themselves. The
 * seam where tests put software jobs in place of IAA, wrap the calls to inject faults, or make a channel's setup
 * fail although the process-wide probe passed.
 */
interface ChannelExecutors {

    /** @throws QplException when the channel's hardware jobs cannot be initialised */
    PageCodec hardware(ChannelContext context, QplSettings settings);

    /** @throws QplException when the channel's software job cannot be initialised */
    PageCodec software(ChannelContext context, QplSettings settings);

    /**
     * The real executors.
     *
     * @param hardwareJobPath the hardware tier's job path: {@link QplPath#HARDWARE}, or software jobs standing in
     *                        for IAA in tests
     * @param calls           the QPL calls, asked for only when an executor is opened (after libqpl loaded)
     */
    static ChannelExecutors of(QplPath hardwareJobPath, Supplier<QplCalls> calls) {
        Objects.requireNonNull(hardwareJobPath, "hardwareJobPath");
        Objects.requireNonNull(calls, "calls");
        return new ChannelExecutors() {
            @Override
            public PageCodec hardware(ChannelContext context, QplSettings settings) {
                return new HardwareBatchExecutor(hardwareJobPath, context.pageSize(), context.maxPagesPerPacket(),
                        settings.dynamicHuffman(), settings.submitRetries(), calls.get());
            }

            @Override
            public PageCodec software(ChannelContext context, QplSettings settings) {
                return new SoftwarePageExecutor(context.pageSize(), context.maxPagesPerPacket(),
                        settings.dynamicHuffman(), calls.get());
            }
        };
    }
}
