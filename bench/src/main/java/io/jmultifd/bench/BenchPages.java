package io.jmultifd.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The pages a micro-benchmark works on, read from the guest image into off-heap memory.
 *
 * <p>The image comes from the system property {@code jmultifd.bench.image} or the environment variable
 * {@code JMULTIFD_BENCH_IMAGE}; {@code run-bench.sh} sets both to the image it built. Per-page benchmarks take
 * {@link #PAGES} non-zero pages spread evenly over the image (zero pages are skipped, as the C reference and
 * a multifd sender skip them); {@link #writeSelection} stores exactly those pages in a file for the C
 * reference, so Java and C do the same work on the same bytes.
 */
public final class BenchPages implements AutoCloseable {
    public static final int PAGE = 4096;
    /** Pages per benchmark invocation; a constant because {@code @OperationsPerInvocation} needs one. */
    public static final int PAGES = 4096;
    /** Pages per packet, the engine's default {@code packet-pages}. */
    public static final int PACKET_PAGES = 128;

    private final Arena arena;
    private final MemorySegment image;
    private final MemorySegment selection;

    private BenchPages(Arena arena, MemorySegment image, MemorySegment selection) {
        this.arena = arena;
        this.image = image;
        this.selection = selection;
    }

    public static Path imagePath() {
        String p = System.getProperty("jmultifd.bench.image");
        if (p == null || p.isBlank()) p = System.getenv("JMULTIFD_BENCH_IMAGE");
        if (p == null || p.isBlank()) {
            throw new IllegalStateException("no guest image: set -Djmultifd.bench.image=FILE or JMULTIFD_BENCH_IMAGE"
                    + " (bench/make-guest-image.sh OUT builds one; bench/run-bench.sh does both)");
        }
        Path path = Path.of(p);
        if (!Files.isRegularFile(path)) throw new IllegalStateException("guest image " + path + ": no such file");
        return path;
    }

    public static BenchPages load() {
        return load(imagePath());
    }

    public static BenchPages load(Path path) {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path); Arena mapping = Arena.ofConfined()) {
            long size = ch.size() / PAGE * PAGE;
            if (size == 0) throw new IllegalStateException("guest image " + path + ": smaller than one page");
            MemorySegment image = arena.allocate(size, PAGE);
            image.copyFrom(ch.map(FileChannel.MapMode.READ_ONLY, 0, size, mapping));
            List<Long> nonZero = new ArrayList<>();
            for (long off = 0; off < size; off += PAGE) {
                if (!isZero(image.asSlice(off, PAGE))) nonZero.add(off);
            }
            if (nonZero.isEmpty()) throw new IllegalStateException("guest image " + path + ": only zero pages");
            MemorySegment selection = arena.allocate((long) PAGES * PAGE, PAGE);
            for (int i = 0; i < PAGES; i++) {
                // Evenly spread; an image with fewer non-zero pages than PAGES repeats them in order.
                long off = nonZero.size() >= PAGES ? nonZero.get((int) ((long) i * nonZero.size() / PAGES))
                        : nonZero.get(i % nonZero.size());
                MemorySegment.copy(image, off, selection, (long) i * PAGE, PAGE);
            }
            return new BenchPages(arena, image, selection);
        } catch (IOException | RuntimeException e) {
            arena.close();
            if (e instanceof IOException io) throw new UncheckedIOException("cannot read guest image " + path, io);
            throw (RuntimeException) e;
        }
    }

    private static boolean isZero(MemorySegment page) {
        for (long i = 0; i < page.byteSize(); i += 8) {
            if (page.get(ValueLayout.JAVA_LONG_UNALIGNED, i) != 0) return false;
        }
        return true;
    }

    /** The whole image (zero pages included), for the zero-page check. */
    public MemorySegment image() {
        return image;
    }

    /** {@link #PAGES} non-zero pages, contiguous. */
    public MemorySegment selection() {
        return selection;
    }

    /** Page {@code i} of the selection. */
    public MemorySegment page(int i) {
        return selection.asSlice((long) i * PAGE, PAGE);
    }

    /** The selection cut into packets of {@link #PACKET_PAGES} page views. */
    public List<List<MemorySegment>> packets() {
        List<List<MemorySegment>> packets = new ArrayList<>();
        for (int first = 0; first < PAGES; first += PACKET_PAGES) {
            List<MemorySegment> packet = new ArrayList<>(PACKET_PAGES);
            for (int i = first; i < Math.min(PAGES, first + PACKET_PAGES); i++) packet.add(page(i));
            packets.add(List.copyOf(packet));
        }
        return packets;
    }

    /** Writes the selection to a file, for the C reference to run on the very same pages. */
    public void writeSelection(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
            var buf = selection.asByteBuffer();
            while (buf.hasRemaining()) ch.write(buf);
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}
