package io.jmultifd.multifd;

import io.jmultifd.spi.ChannelReceiver;
import io.jmultifd.spi.CorruptPayloadException;
import io.jmultifd.spi.MethodStatistics;

import java.lang.foreign.MemorySegment;
import java.util.List;

/** The receiving side of the test methods whose payload is the pages as they are: copies each into place. */
final class PageCopyReceiver implements ChannelReceiver {
    private final int pageSize;

    PageCopyReceiver(int pageSize) {
        this.pageSize = pageSize;
    }

    @Override public long maxPayloadSize(int pages) { return (long) pages * pageSize; }

    @Override
    public void decode(MemorySegment payload, List<MemorySegment> targets) throws CorruptPayloadException {
        if (payload.byteSize() != (long) targets.size() * pageSize) {
            throw new CorruptPayloadException(-1, "payload of " + payload.byteSize() + " bytes for "
                    + targets.size() + " pages");
        }
        for (int i = 0; i < targets.size(); i++) {
            MemorySegment.copy(payload, (long) i * pageSize, targets.get(i), 0, pageSize);
        }
    }

    @Override public MethodStatistics statistics() { return MethodStatistics.EMPTY; }
    @Override public void close() { }
}
