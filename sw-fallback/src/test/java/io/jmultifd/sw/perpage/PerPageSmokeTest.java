package io.jmultifd.sw.perpage;

import static org.junit.jupiter.api.Assertions.*;

import io.jmultifd.spi.ChannelContext;
import io.jmultifd.spi.MethodParameters;
import io.jmultifd.sw.TestPages;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PerPageSmokeTest {
    @Test
    void roundTripsMixedPages() throws Exception {
        ChannelContext ctx = new ChannelContext(0, 4096, 64, MethodParameters.of());
        try (Arena arena = Arena.ofConfined();
             PerPageSender sender = new PerPageSender(ctx, new JavaDeflatePageCodec(4096));
             PerPageReceiver receiver = new PerPageReceiver(ctx, new JavaDeflatePageCodec(4096))) {
            TestPages gen = new TestPages(arena, 4096, 1);
            for (int n : new int[] {1, 7, 64}) {
                List<MemorySegment> pages = gen.mixed(n);
                List<MemorySegment> out = new ArrayList<>();
                long len = sender.encode(pages, out);
                MemorySegment payload = gen.concat(out);
                assertEquals(len, payload.byteSize());
                List<MemorySegment> targets = gen.targets(n);
                receiver.decode(payload, targets);
                TestPages.assertSamePages(pages, targets);
            }
        }
    }
}
