package io.jmultifd.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Run by {@link UnavailableElsewhereTest} in a child JVM that claims another architecture: prints, one
 * {@code key=value} line each, whether the owner layer is available, why not, and what each entry point does.
 */
public final class ElsewhereReportMain {
    private ElsewhereReportMain() {}

    public static void main(String[] args) {
        print("available", Boolean.toString(Libc.available()));
        print("reason", String.valueOf(Libc.unavailableReason()));
        print("strerror", Libc.strerror(28));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment page = arena.allocate(4096, 4096);
            Map<String, Callable<?>> calls = new java.util.LinkedHashMap<>();
            calls.put("open", () -> Libc.open(Path.of("/dev/null"), 0, 0));
            calls.put("close", () -> { Libc.close(0); return null; });
            calls.put("flock", () -> Libc.flock(0, 0));
            calls.put("posixFallocate", () -> { Libc.posixFallocate(0, 0, 1); return null; });
            calls.put("isatty", () -> Libc.isatty(0));
            calls.put("mapAnonymous", () -> VirtualMemory.mapAnonymous(arena, 4096, 0));
            calls.put("madvise", () -> { VirtualMemory.madvise(page, 0); return null; });
            calls.put("pageSize", VirtualMemory::pageSize);
            calls.put("residentPages", () -> VirtualMemory.residentPages(page));
            calls.put("mapAnonymousAligned", () -> VirtualMemory.mapAnonymousAligned(arena, 4096, 1 << 21, 0));
            calls.put("threadPageFaults", ResourceUsage::thread);
            calls.put("dlopen", () -> DynamicLibrary.open(Path.of("libc.so.6"), 2));
            calls.put("userfaultfd", () -> Userfaultfd.open(0));
            calls.forEach((name, call) -> {
                try {
                    print(name, "returned " + call.call());
                } catch (Exception e) {
                    print(name, e.getClass().getSimpleName() + ": " + e.getMessage());
                }
            });
        }
        print("done", "true");
    }

    private static void print(String key, String value) {
        System.out.println(key + "=" + value.replace("\n", "\\n"));
    }
}
