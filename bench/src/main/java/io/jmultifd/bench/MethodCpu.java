package io.jmultifd.bench;

import io.jmultifd.spi.ChannelReceiver;
import io.jmultifd.spi.ChannelSender;
import io.jmultifd.spi.CompressionMethod;
import io.jmultifd.spi.CorruptPayloadException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * CPU time per page of each method variant's {@code encode} and {@code decode}, as {@link MethodBenchmark} runs them
 * (the same pages, packets and in-order channels), measured with the thread's CPU time instead of the wall clock: on
 * a machine shared with other work, wall-clock throughput says more about the neighbours than about the code, while
 * the CPU a pass takes stays close to what it takes alone. Variants alternate pass by pass, so that a change of load
 * hits them all alike; the median of the passes is printed, with pages/s of one busy core (10^9 / ns per page) and
 * the payload ratio.
 *
 * <pre>java -cp bench/target/benchmarks.jar -Djmultifd.bench.image=IMG io.jmultifd.bench.MethodCpu zstd,zstd-packet 15</pre>
 */
public final class MethodCpu {
    private MethodCpu() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: MethodCpu VARIANT[,VARIANT...] [PASSES]   (-Djmultifd.bench.image=IMG)");
            System.exit(2);
        }
        List<String> labels = List.of(args[0].split(","));
        int passes = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        try (BenchPages pages = BenchPages.load(); Arena arena = Arena.ofConfined()) {
            List<List<MemorySegment>> packets = pages.packets();
            int n = labels.size();
            ChannelSender[] senders = new ChannelSender[n];
            List<List<MemorySegment>> payloads = new ArrayList<>();
            double[] ratio = new double[n];
            long[][] encodeNs = new long[n][passes];
            long[][] decodeNs = new long[n][passes];
            MemorySegment destination = arena.allocate((long) BenchPages.PAGES * BenchPages.PAGE, BenchPages.PAGE);
            List<List<MemorySegment>> targets = new ArrayList<>();
            int first = 0;
            for (List<MemorySegment> packet : packets) {
                List<MemorySegment> t = new ArrayList<>();
                for (int i = 0; i < packet.size(); i++) {
                    t.add(destination.asSlice((long) (first + i) * BenchPages.PAGE, BenchPages.PAGE));
                }
                targets.add(t);
                first += packet.size();
            }
            for (int v = 0; v < n; v++) {
                MethodVariant variant = MethodVariant.of(labels.get(v));
                senders[v] = variant.find().newSender(MethodBenchmark.context(variant));
                try (ChannelSender fresh = variant.find().newSender(MethodBenchmark.context(variant))) {
                    List<MemorySegment> p = MethodBenchmark.encodeAll(fresh, packets, arena);
                    payloads.add(p);
                    ratio[v] = (double) BenchPages.PAGES * BenchPages.PAGE
                            / p.stream().mapToLong(MemorySegment::byteSize).sum();
                }
            }
            List<MemorySegment> out = new ArrayList<>();
            for (int pass = -2; pass < passes; pass++) { // two warm-up passes
                for (int v = 0; v < n; v++) {
                    long t0 = threads.getCurrentThreadCpuTime();
                    for (List<MemorySegment> packet : packets) {
                        out.clear();
                        senders[v].encode(packet, out);
                    }
                    long t1 = threads.getCurrentThreadCpuTime();
                    CompressionMethod m = MethodVariant.of(labels.get(v)).find();
                    try (ChannelReceiver r = m.newReceiver(MethodBenchmark.context(MethodVariant.of(labels.get(v))))) {
                        long t2 = threads.getCurrentThreadCpuTime();
                        for (int p = 0; p < packets.size(); p++) {
                            r.decode(payloads.get(v).get(p), targets.get(p));
                        }
                        long t3 = threads.getCurrentThreadCpuTime();
                        if (destination.mismatch(pages.selection()) != -1) {
                            throw new CorruptPayloadException(-1, labels.get(v) + ": round trip differs");
                        }
                        if (pass >= 0) {
                            encodeNs[v][pass] = t1 - t0;
                            decodeNs[v][pass] = t3 - t2;
                        }
                    }
                }
            }
            System.out.printf("%-22s %8s %12s %12s %12s %12s%n", "variant", "ratio", "enc ns/page", "enc pages/s",
                    "dec ns/page", "dec pages/s");
            for (int v = 0; v < n; v++) {
                double enc = median(encodeNs[v]) / BenchPages.PAGES;
                double dec = median(decodeNs[v]) / BenchPages.PAGES;
                System.out.printf("%-22s %8.3f %12.0f %12.0f %12.0f %12.0f%n", labels.get(v), ratio[v], enc, 1e9 / enc,
                        dec, 1e9 / dec);
                senders[v].close();
            }
        }
    }

    private static double median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        int k = sorted.length;
        return k % 2 == 1 ? sorted[k / 2] : (sorted[k / 2 - 1] + sorted[k / 2]) / 2.0;
    }
}
