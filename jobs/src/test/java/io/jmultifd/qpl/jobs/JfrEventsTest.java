package io.jmultifd.qpl.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jmultifd.qpl.testing.RequiresLibqpl;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The executors' JFR events carry the same counts as their statistics. */
@RequiresLibqpl
class JfrEventsTest {

    @Test
    void batchAndFallbackEventsAreRecorded(@TempDir Path dir) throws Exception {
        FaultyCalls calls = new FaultyCalls(QplCalls.bindings());
        Path file = dir.resolve("qpl.jfr");
        try (Arena arena = Arena.ofConfined();
             HardwareBatchExecutor executor = new HardwareBatchExecutor(QplPath.SOFTWARE, Pages.PAGE, 4, false, 2,
                     calls);
             Recording recording = new Recording()) {
            recording.enable("io.jmultifd.qpl.Batch");
            recording.enable("io.jmultifd.qpl.Fallback");
            recording.start();
            Pages pages = new Pages(arena, 3);
            List<MemorySegment> in = List.of(pages.text(), pages.binary(), pages.random());
            calls.busy(in.get(0), 1).busy(in.get(1), 3);
            executor.compress(in, pages.slots(3), new int[3]);
            recording.stop();
            recording.dump(file);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(file);
        List<RecordedEvent> batches = events.stream()
                .filter(e -> e.getEventType().getName().equals("io.jmultifd.qpl.Batch")).toList();
        List<RecordedEvent> fallbacks = events.stream()
                .filter(e -> e.getEventType().getName().equals("io.jmultifd.qpl.Fallback")).toList();
        assertEquals(1, batches.size());
        RecordedEvent batch = batches.get(0);
        assertEquals("compress", batch.getString("operation"));
        assertEquals(3, batch.getInt("pages"));
        assertEquals(2, batch.getInt("pagesHardware"));
        assertEquals(1, batch.getInt("pagesSoftware"));
        assertEquals(1, batch.getInt("pagesRaw"));
        assertEquals(3, batch.getInt("resubmissions"));
        assertEquals(1, batch.getInt("fallbacks"));
        assertEquals(1, fallbacks.size());
        RecordedEvent fallback = fallbacks.get(0);
        assertEquals(1, fallback.getInt("pageIndex"));
        assertEquals("software", fallback.getString("toTier"));
        assertEquals(QplStatus.QUEUES_ARE_BUSY_ERR.code(), fallback.getInt("statusCode"));
        assertEquals("QPL_STS_QUEUES_ARE_BUSY_ERR (5)", fallback.getString("status"));
        assertEquals(Files.exists(file), true);
    }
}
