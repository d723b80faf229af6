package io.jmultifd.accel.qpl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jmultifd.qpl.jobs.Pages;
import io.jmultifd.qpl.jobs.QplCalls;
import io.jmultifd.qpl.jobs.QplStatus;
import io.jmultifd.qpl.testing.RequiresLibqpl;
import io.jmultifd.spi.ChannelContext;
import io.jmultifd.spi.ChannelReceiver;
import io.jmultifd.spi.ChannelSender;
import io.jmultifd.spi.MethodStatistics;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The qpl method's hardware tier (batch orchestration on software jobs) with a work queue that is always busy:
 * the statistics the engine sees count every resubmission and fallback, and the pages still arrive.
 */
@RequiresLibqpl
class HardwareTierFallbackTest {

    /** The real bindings, except that every submit answers QUEUES_ARE_BUSY_ERR. */
    private static final class AlwaysBusy implements QplCalls {
        private final QplCalls real = QplCalls.bindings();
        int submits;

        @Override
        public int execute(MemorySegment job) {
            return real.execute(job);
        }

        @Override
        public int submit(MemorySegment job) {
            submits++;
            return QplStatus.QUEUES_ARE_BUSY_ERR.code();
        }

        @Override
        public int waitFor(MemorySegment job) {
            throw new AssertionError("nothing was submitted, so nothing may be waited for");
        }
    }

    @Test
    void busyQueueSendsEveryPageThroughSoftwareAndCountsIt() throws Exception {
        AlwaysBusy busy = new AlwaysBusy();
        QplMethod method = Fixtures.hardwareOnSoftwareJobs(() -> busy);
        ChannelContext context = Fixtures.context("qpl-path", "hardware", "qpl-submit-retries", "2");
        try (Arena arena = Arena.ofConfined();
             ChannelSender sender = method.newSender(context);
             ChannelReceiver receiver = method.newReceiver(context)) {
            Pages pages = new Pages(arena, 77);
            List<MemorySegment> in = pages.mixed();
            List<MemorySegment> out = new ArrayList<>();
            sender.encode(in, out);
            List<MemorySegment> targets = pages.targets(in.size());
            receiver.decode(Fixtures.concat(arena, out), targets);
            for (int i = 0; i < in.size(); i++) {
                assertEquals(-1, targets.get(i).mismatch(in.get(i)), "page " + i);
            }
            int n = in.size();
            MethodStatistics sent = sender.statistics();
            assertEquals(0, sent.get("pages_hardware"), sent.toString());
            assertEquals(n, sent.get("pages_software"));
            assertEquals(2L * n, sent.get("resubmissions"));
            assertEquals(n, sent.get("fallbacks"));
            assertEquals(2, sent.get("pages_raw"));

            MethodStatistics received = receiver.statistics();
            int compressed = n - 2;
            assertEquals(0, received.get("pages_hardware"), received.toString());
            assertEquals(compressed, received.get("pages_software"));
            assertEquals(2L * compressed, received.get("resubmissions"));
            assertEquals(compressed, received.get("fallbacks"));
            assertEquals(3L * (n + compressed), busy.submits);
        }
    }
}
