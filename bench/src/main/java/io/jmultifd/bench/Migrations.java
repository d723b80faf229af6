package io.jmultifd.bench;

import io.jmultifd.multifd.Endpoint;
import io.jmultifd.multifd.MigrationDestination;
import io.jmultifd.multifd.MigrationParameters;
import io.jmultifd.multifd.MigrationResult;
import io.jmultifd.multifd.MigrationSource;
import io.jmultifd.multifd.ProgressListener;
import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.RamBlock;
import io.jmultifd.multifd.guest.Workload;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Real migrations over loopback TCP: the destination runs in this JVM on its own thread, listening on
 * 127.0.0.1 port 0; the source sends a guest holding the guest image while a workload keeps dirtying it.
 * Both sides run the engine's real transport, so every byte crosses the kernel's TCP stack.
 */
final class Migrations implements AutoCloseable {
    /** One configuration of the matrix. {@code maxBandwidth} is bytes/s, 0 = unlimited. */
    record Config(String variant, int channels, long maxBandwidth) {
        String key() {
            return variant + "/" + channels + "/" + (maxBandwidth == 0 ? "unlimited" : maxBandwidth);
        }

        String bandwidthLabel() {
            return maxBandwidth == 0 ? "unlimited" : String.format(java.util.Locale.ROOT, "%.0f Mbit/s", maxBandwidth * 8 / 1e6);
        }
    }

    /** Both sides' reports of one migration. */
    record Run(Map<String, Object> source, Map<String, Object> destination) {}

    private final MemorySegment image;
    private final double dirtyRateMBps;
    private final boolean preallocDestination;
    private final ExecutorService destinationThread = Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().name("bench-destination").daemon(true).unstarted(r));
    private final GuestMemory guest;

    Migrations(MemorySegment image, double dirtyRateMBps) {
        this(image, dirtyRateMBps, false);
    }

    /** @param preallocDestination whether the destination runs with {@code prealloc=true} */
    Migrations(MemorySegment image, double dirtyRateMBps, boolean preallocDestination) {
        this.image = image;
        this.dirtyRateMBps = dirtyRateMBps;
        this.preallocDestination = preallocDestination;
        this.guest = GuestMemory.of(java.util.List.of(RamBlock.anonymous("ram", image.byteSize(), BenchPages.PAGE)));
    }

    Run run(Config config, long seed) throws Exception {
        return run(config, seed, Map.of(), Map.of());
    }

    /**
     * As {@link #run(Config, long)}, with parameters that only one end takes (e.g. each end's tls-creds, and the
     * destination's tls-authz).
     */
    Run run(Config config, long seed, Map<String, String> sourceOnly, Map<String, String> destinationOnly) throws Exception {
        // Every run starts from the same guest contents: the image.
        guest.blocks().getFirst().memory().copyFrom(image);
        Map<String, String> p = MethodVariant.of(config.variant()).migrationParameters(config.channels());
        p.put("max-bandwidth", Long.toString(config.maxBandwidth()));
        // Like QEMU's auto-converge: a slow configuration (the java tier on one loaded core) throttles the
        // workload instead of failing on convergence-timeout, so every cell of the matrix gets figures.
        p.put("force-converge", "true");
        Map<String, String> d = new LinkedHashMap<>(p);
        d.putAll(destinationOnly);
        d.put("prealloc", Boolean.toString(preallocDestination));
        p.putAll(sourceOnly);
        MigrationParameters parameters = MigrationParameters.from(p);
        MigrationParameters destinationParameters = MigrationParameters.from(d);
        // close() frees the received guest; the results are taken before.
        try (MigrationDestination destination = new MigrationDestination(destinationParameters)) {
            Future<MigrationResult> received = destinationThread.submit(
                    () -> destination.receive(Endpoint.parse("tcp:127.0.0.1:0"), ProgressListener.NONE));
            int port = destination.awaitListening();
            MigrationResult sent;
            try (Workload workload = dirtyRateMBps > 0 ? new Workload(guest, dirtyRateMBps, seed) : null) {
                if (workload != null) workload.start();
                sent = new MigrationSource(guest, workload, parameters)
                        .migrate(Endpoint.parse("tcp:127.0.0.1:" + port), ProgressListener.NONE);
            }
            MigrationResult got;
            try {
                got = received.get(2, TimeUnit.MINUTES);
            } catch (java.util.concurrent.TimeoutException e) {
                destination.cancel();
                got = received.get(30, TimeUnit.SECONDS);
            }
            return new Run(new LinkedHashMap<>(sent.toMap()), new LinkedHashMap<>(got.toMap()));
        }
    }

    @Override
    public void close() {
        destinationThread.shutdownNow();
        guest.close();
    }
}
