package io.jmultifd.bench;

import io.jmultifd.multifd.guest.Sizes;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Builds a realistic guest memory image from files already on this machine, the way the Silesia corpus
 * mixes text, executables and structured data, with about 10% zero pages interleaved.
 *
 * <p>The recipe is fixed so that two runs on the same machine image give the same bytes: every file list is
 * sorted (by path, byte order), every kind and source has a fixed share of the image, data is taken in
 * page-aligned 64 KiB chunks spread evenly over each source's concatenated (sorted) files, and the kinds are
 * interleaved by a fixed deficit schedule. Contents differ between machines with other package versions.
 *
 * <p>Only JDK classes and the engine's {@link Sizes} (itself JDK-only) are used, so {@code make-guest-image.sh}
 * compiles the two files with javac and runs them before anything is built.
 */
public final class GuestImageBuilder {
    public static final int PAGE = 4096;
    /** Data is copied in chunks of this many bytes, page-aligned in the image. */
    static final int CHUNK = 64 * 1024;
    /** No single file contributes more than this, so one huge library cannot dominate its source. */
    static final long FILE_CAP = 2L << 20;
    /** Lengths of the zero runs, in pages, taken in turn: single zero pages and longer free areas. */
    static final int[] ZERO_RUN_PAGES = {1, 2, 1, 4, 1, 8, 16, 3};

    /** One kind of content and its share of the image in percent. */
    record Kind(String name, int percent, List<Source> sources) {}

    /** One source of files within a kind, and its share of that kind in percent. */
    record Source(String name, int percent, List<Entry> entries) {
        long totalBytes() {
            return entries.stream().mapToLong(Entry::length).sum();
        }
    }

    /** One file of a source: its path, whether it is gzip-compressed (then its content is inflated), capped length. */
    record Entry(Path path, boolean gzip, long length) {}

    /** What went into an image, for the report and results.json. */
    public record Composition(Path image, long size, String sha256, long zeroPages, long pages,
                              Map<String, Long> bytesPerKind, Map<String, String> sources) {
        public String describe() {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(Locale.ROOT, "image %s: %d bytes, %d pages, %d zero pages (%.1f%%)%n",
                    image, size, pages, zeroPages, 100.0 * zeroPages / pages));
            sb.append("sha256 ").append(sha256).append('\n');
            bytesPerKind.forEach((k, v) -> sb.append(String.format(Locale.ROOT, "  kind %-10s %11d bytes (%.1f%%)%n",
                    k, v, 100.0 * v / size)));
            sources.forEach((k, v) -> sb.append("  source ").append(k).append(": ").append(v).append('\n'));
            return sb.toString();
        }
    }

    private GuestImageBuilder() {}

    static final String USAGE = "usage: GuestImageBuilder OUT SIZE [JDK_MODULES_FILE]   (SIZE e.g. 256M, 32M; a multiple of 1M)";

    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        if (code != 0) System.exit(code);
    }

    /** Builds the image the command line asks for; returns the exit code: 0 built, 1 failed, 2 bad command line. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length < 2 || args.length > 3) {
            err.println(USAGE);
            return 2;
        }
        long size;
        try {
            size = parseSize(args[1]);
        } catch (IllegalArgumentException e) {
            err.println("make-guest-image: " + e.getMessage());
            err.println(USAGE);
            return 2;
        }
        Path modules = args.length == 3 ? Path.of(args[2]) : Path.of(System.getProperty("java.home"), "lib", "modules");
        try {
            out.print(build(Path.of(args[0]), size, modules).describe());
            return 0;
        } catch (IOException | UncheckedIOException | IllegalStateException e) {
            // A missing source (IllegalStateException) or an unwritable OUT: the reason, not a stack trace.
            err.println("make-guest-image: cannot build " + args[0] + ": " + reason(e));
            return 1;
        }
    }

    /**
     * The message of an exception with its causes ("x: caused by y"); file exceptions, whose message is only the
     * path, get their kind.
     */
    static String reason(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (!sb.isEmpty()) sb.append(": caused by ");
            String message = t.getMessage();
            if (t instanceof java.nio.file.FileSystemException || message == null || message.isBlank()) {
                sb.append(t.getClass().getSimpleName()).append(message == null ? "" : " " + message);
            } else {
                sb.append(message);
            }
        }
        return sb.toString();
    }

    /**
     * Parses 256M, 32m, 1G, 1048576 (any spelling of the engine's {@link Sizes}); must be a positive multiple of
     * 1 MiB.
     */
    public static long parseSize(String text) {
        long v;
        try {
            v = Sizes.parse(text);
        } catch (Sizes.InvalidSize e) {
            throw new IllegalArgumentException("image size " + text + ": " + switch (e.problem()) {
                case EMPTY, NOT_A_NUMBER -> "not a size like 256M: expected " + Sizes.SYNTAX;
                case NEGATIVE, TOO_LARGE -> e.problem().words();
            });
        }
        if (v == 0 || v % (1L << 20) != 0) {
            throw new IllegalArgumentException("image size " + text + ": must be a positive multiple of 1M");
        }
        return v;
    }

    /** The fixed recipe. Shares are of the whole image (kinds) and of the kind (sources). */
    static List<Kind> recipe(Path jdkModules) throws IOException {
        Predicate<Path> any = p -> true;
        List<Kind> kinds = new ArrayList<>();
        kinds.add(new Kind("text", 30, List.of(
                new Source("common-licenses", 2, files(Path.of("/usr/share/common-licenses"), any, true)),
                new Source("man-pages", 49, manPages()),
                new Source("doc", 49, files(Path.of("/usr/share/doc"), any, true)))));
        kinds.add(new Kind("binary", 30, List.of(
                new Source("usr-bin", 50, files(Path.of("/usr/bin"), any, false)),
                new Source("shared-libraries", 50, files(Path.of("/usr/lib/x86_64-linux-gnu"),
                        p -> p.getFileName().toString().contains(".so"), false)))));
        kinds.add(new Kind("jdk-modules", 12, List.of(
                new Source("jdk-lib-modules", 100, Files.isRegularFile(jdkModules)
                        ? List.of(new Entry(jdkModules, false, Files.size(jdkModules))) : List.of()))));
        kinds.add(new Kind("structured", 18, List.of(
                new Source("zoneinfo", 10, files(Path.of("/usr/share/zoneinfo"), any, false)),
                new Source("mime", 10, files(Path.of("/usr/share/mime"), any, false)),
                new Source("json-csv-xml", 20, files(Path.of("/usr/share"), p -> {
                    String n = p.getFileName().toString();
                    return n.endsWith(".json") || n.endsWith(".csv") || n.endsWith(".xml");
                }, false)),
                new Source("dpkg", 30, dpkg()),
                new Source("i18n-locales-charmaps", 30, files(Path.of("/usr/share/i18n"), any, true)))));
        return kinds;
    }

    static final int ZERO_PERCENT = 10;

    public static Composition build(Path out, long size, Path jdkModules) throws IOException {
        if (size <= 0 || size % (1L << 20) != 0) {
            throw new IllegalArgumentException("image size " + size + ": must be a positive multiple of 1M");
        }
        List<Kind> kinds = recipe(jdkModules);
        long dataChunksTotal = size * (100 - ZERO_PERCENT) / 100 / CHUNK;
        // Chunks per kind, then per source; a source shorter than its share passes the rest to the next source
        // of its kind (the last sources are the large ones), and only the last resort cycles a source.
        Map<String, Long> bytesPerKind = new LinkedHashMap<>();
        Map<String, String> sourceReport = new LinkedHashMap<>();
        List<List<long[]>> kindChunks = new ArrayList<>(); // per kind: {sourceIndex, offset} of each chunk
        long assigned = 0;
        for (int k = 0; k < kinds.size(); k++) {
            Kind kind = kinds.get(k);
            long kindChunksWanted = k == kinds.size() - 1 ? dataChunksTotal - assigned
                    : dataChunksTotal * kind.percent() / (100 - ZERO_PERCENT);
            assigned += kindChunksWanted;
            List<long[]> chunks = new ArrayList<>();
            long carry = 0;
            for (int s = 0; s < kind.sources().size(); s++) {
                Source src = kind.sources().get(s);
                long want = s == kind.sources().size() - 1 ? kindChunksWanted - chunks.size()
                        : kindChunksWanted * src.percent() / 100 + carry;
                carry = 0;
                long available = src.totalBytes() / CHUNK;
                if (available == 0 && want > 0) {
                    if (s < kind.sources().size() - 1) { carry = want; sourceReport.put(kind.name() + "/" + src.name(), "empty, share passed on"); continue; }
                    throw new IllegalStateException("source " + kind.name() + "/" + src.name() + " has no files on this machine");
                }
                long take = want;
                if (available < want && s < kind.sources().size() - 1) {
                    take = available;
                    carry = want - available;
                }
                for (long i = 0; i < take; i++) {
                    // Spread evenly over the sorted concatenation; i >= available only cycles as a last resort.
                    long idx = take <= available ? i * available / take : i % available;
                    chunks.add(new long[] {s, idx * CHUNK});
                }
                sourceReport.put(kind.name() + "/" + src.name(), String.format(Locale.ROOT,
                        "%d files, %d bytes available, %d bytes taken%s", src.entries().size(), src.totalBytes(),
                        take * CHUNK, take > available ? " (cycled)" : ""));
            }
            bytesPerKind.put(kind.name(), (long) chunks.size() * CHUNK);
            kindChunks.add(chunks);
        }

        // Interleave: data kinds by largest deficit against their share, zero runs whenever zero pages lag 10%.
        Files.deleteIfExists(out);
        try (FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
             StreamReader reader = new StreamReader()) {
            long pos = 0;
            long zeroBytes = 0;
            int zeroRun = 0;
            int[] next = new int[kinds.size()];
            long[] written = new long[kinds.size()];
            ByteBuffer buf = ByteBuffer.allocate(CHUNK);
            while (pos < size) {
                long zeroWant = (pos - zeroBytes) * ZERO_PERCENT / (100 - ZERO_PERCENT);
                boolean dataLeft = false;
                for (int k = 0; k < kinds.size(); k++) dataLeft |= next[k] < kindChunks.get(k).size();
                if (!dataLeft || zeroBytes < zeroWant) {
                    long run = Math.min((long) ZERO_RUN_PAGES[zeroRun++ % ZERO_RUN_PAGES.length] * PAGE, size - pos);
                    pos += run; // the file is sparse there: zeros
                    zeroBytes += run;
                    continue;
                }
                int best = -1;
                double bestDeficit = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < kinds.size(); k++) {
                    if (next[k] >= kindChunks.get(k).size()) continue;
                    double deficit = (double) kindChunks.get(k).size() / dataChunksTotal - (double) written[k] / Math.max(1, pos);
                    if (deficit > bestDeficit) { bestDeficit = deficit; best = k; }
                }
                long[] chunk = kindChunks.get(best).get(next[best]++);
                Source src = kinds.get(best).sources().get((int) chunk[0]);
                buf.clear();
                reader.read(src, chunk[1], buf);
                buf.flip();
                int len = (int) Math.min(buf.remaining(), size - pos);
                buf.limit(len);
                while (buf.hasRemaining()) ch.write(buf, pos + buf.position());
                pos += len;
                written[best] += len;
            }
            ch.truncate(size);
            if (ch.size() < size) { ch.write(ByteBuffer.allocate(1), size - 1); }
            bytesPerKind.put("zero-runs", zeroBytes);
        }
        return describe(out, bytesPerKind, sourceReport);
    }

    /** Counts zero pages (runs and those inside files) and hashes the image. */
    static Composition describe(Path image, Map<String, Long> bytesPerKind, Map<String, String> sources) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        long zeroPages = 0, pages = 0;
        byte[] page = new byte[PAGE];
        try (InputStream in = Files.newInputStream(image)) {
            int n;
            while ((n = in.readNBytes(page, 0, PAGE)) > 0) {
                sha.update(page, 0, n);
                pages++;
                boolean zero = true;
                for (int i = 0; i < n && zero; i++) zero = page[i] == 0;
                if (zero) zeroPages++;
            }
        }
        return new Composition(image, Files.size(image), HexFormat.of().formatHex(sha.digest()), zeroPages, pages,
                bytesPerKind, sources);
    }

    /** Regular files under {@code root} (symlinks skipped, so no file counts twice), sorted by path. */
    static List<Entry> files(Path root, Predicate<Path> accept, boolean inflateGzip) throws IOException {
        if (!Files.isDirectory(root)) return List.of();
        List<Path> paths;
        try (Stream<Path> s = Files.walk(root)) {
            paths = s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).filter(accept)
                    .filter(Files::isReadable).sorted().toList();
        }
        List<Entry> entries = new ArrayList<>();
        for (Path p : paths) {
            boolean gz = inflateGzip && p.getFileName().toString().endsWith(".gz");
            long len = gz ? gzipSize(p) : Files.size(p);
            if (len > 0) entries.add(new Entry(p, gz, Math.min(len, FILE_CAP)));
        }
        return entries;
    }

    /** English man pages (/usr/share/man/manN), inflated as `gzip -dc` would. */
    static List<Entry> manPages() throws IOException {
        List<Entry> all = new ArrayList<>();
        Path man = Path.of("/usr/share/man");
        if (!Files.isDirectory(man)) return all;
        try (Stream<Path> dirs = Files.list(man)) {
            for (Path d : dirs.filter(d -> d.getFileName().toString().matches("man[0-9n]")).sorted().toList()) {
                all.addAll(files(d, any -> true, true));
            }
        }
        return all;
    }

    static List<Entry> dpkg() throws IOException {
        List<Entry> all = new ArrayList<>();
        Path status = Path.of("/var/lib/dpkg/status");
        if (Files.isRegularFile(status)) all.add(new Entry(status, false, Math.min(Files.size(status), FILE_CAP)));
        all.addAll(files(Path.of("/var/lib/dpkg/info"), p -> {
            String n = p.getFileName().toString();
            return n.endsWith(".list") || n.endsWith(".md5sums");
        }, false));
        return all;
    }

    /** The inflated size from the gzip trailer (ISIZE, mod 2^32; man and doc files are far smaller). */
    static long gzipSize(Path p) throws IOException {
        try (FileChannel ch = FileChannel.open(p)) {
            if (ch.size() < 18) return 0;
            ByteBuffer b = ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            ch.read(b, ch.size() - 4);
            return Integer.toUnsignedLong(b.flip().getInt());
        }
    }

    /** Reads byte ranges of a source's concatenated (capped, inflated) files; chunks arrive in increasing order. */
    static final class StreamReader implements AutoCloseable {
        private Source source;
        private long[] starts;
        private int cachedEntry = -1;
        private byte[] cached;

        void read(Source src, long offset, ByteBuffer dst) throws IOException {
            if (src != source) {
                source = src;
                starts = new long[src.entries().size() + 1];
                for (int i = 0; i < src.entries().size(); i++) starts[i + 1] = starts[i] + src.entries().get(i).length();
                cachedEntry = -1;
                cached = null;
            }
            long at = offset;
            while (dst.hasRemaining() && at < starts[starts.length - 1]) {
                int e = java.util.Arrays.binarySearch(starts, at);
                if (e < 0) e = -e - 2;
                while (e < src.entries().size() - 1 && starts[e + 1] <= at) e++; // skip empty entries
                Entry entry = src.entries().get(e);
                long within = at - starts[e];
                int n = (int) Math.min(dst.remaining(), entry.length() - within);
                if (entry.gzip()) {
                    if (cachedEntry != e) {
                        cached = inflate(entry);
                        cachedEntry = e;
                    }
                    int have = (int) Math.max(0, Math.min(n, cached.length - within));
                    dst.put(cached, (int) within, have);
                    for (int i = have; i < n; i++) dst.put((byte) 0); // truncated stream: keep lengths fixed
                } else {
                    try (FileChannel ch = FileChannel.open(entry.path())) {
                        int limit = dst.limit();
                        dst.limit(dst.position() + n);
                        while (dst.hasRemaining()) {
                            if (ch.read(dst, within + (n - dst.remaining())) < 0) {
                                while (dst.hasRemaining()) dst.put((byte) 0); // shrank since listing
                            }
                        }
                        dst.limit(limit);
                    }
                }
                at += n;
            }
            while (dst.hasRemaining()) dst.put((byte) 0);
        }

        private static byte[] inflate(Entry entry) {
            try (InputStream in = new GZIPInputStream(Files.newInputStream(entry.path()))) {
                return in.readNBytes((int) entry.length());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot inflate " + entry.path(), e);
            }
        }

        @Override
        public void close() {}
    }
}
