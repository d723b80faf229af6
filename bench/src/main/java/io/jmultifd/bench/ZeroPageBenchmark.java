package io.jmultifd.bench;

import io.jmultifd.multifd.ram.ZeroPages;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The engine's zero-page check over the first {@link #SCAN_PAGES} pages of the guest image, zero pages
 * and data pages as they come; one operation = one page checked, so bytes/s = score x 4096. The C yardstick
 * (bench/native/zero_scan.c) scans the same pages, which the harness writes to a file of their own.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ZeroPageBenchmark {
    /** 32 MiB: the smallest (quick) guest image. */
    public static final int SCAN_PAGES = 8192;

    private BenchPages pages;
    private MemorySegment scanned;

    @Setup(Level.Trial)
    public void setUp() {
        pages = BenchPages.load();
        scanned = scanArea(pages);
    }

    static MemorySegment scanArea(BenchPages pages) {
        long bytes = (long) SCAN_PAGES * BenchPages.PAGE;
        if (pages.image().byteSize() < bytes) {
            throw new IllegalStateException("the zero-page benchmark needs an image of at least " + bytes
                    + " bytes, got " + pages.image().byteSize());
        }
        return pages.image().asSlice(0, bytes);
    }

    @Benchmark
    @OperationsPerInvocation(SCAN_PAGES)
    public int scan() {
        int zero = 0;
        for (long off = 0; off < scanned.byteSize(); off += BenchPages.PAGE) {
            if (ZeroPages.isZero(scanned.asSlice(off, BenchPages.PAGE))) zero++;
        }
        return zero;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (pages != null) pages.close();
    }
}
