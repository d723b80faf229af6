package io.jmultifd.sw.perpage;

import io.jmultifd.spi.CorruptPayloadException;
import io.jmultifd.spi.MethodStatistics;
import io.jmultifd.spi.PageCodec;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * The {@code java} tier of the {@code qpl} method's per-page format (accel-plugin): {@link java.util.zip} raw
 * DEFLATE ({@code nowrap}), one stream per page, needing no native library of ours. One {@link Deflater} and one
 * {@link Inflater} per codec, reused with {@code reset()}, fed with the segments' {@link ByteBuffer} views (direct
 * for native memory, so zlib reads and writes the segments themselves).
 *
 * <p>{@code qpl-huffman}: {@link Huffman#DYNAMIC} is zlib's default strategy. {@link Huffman#FIXED} asks for
 * fixed Huffman blocks, which zlib offers as strategy {@code Z_FIXED}, but {@link Deflater} does not expose
 * it (only default, filtered and Huffman-only). So the java tier accepts {@code fixed} and compresses exactly
 * as for {@code dynamic}: zlib still chooses a fixed block by itself whenever that is smaller. Decoders do not
 * care which block type a stream uses, so this changes size and speed, never compatibility.
 */
public final class JavaDeflatePageCodec implements PageCodec {
    /** QEMU's default for its zlib method, and the fastest level that still searches for matches. */
    public static final int DEFAULT_LEVEL = 1;

    private final int pageSize;
    private final int level;
    private final Huffman huffman;
    // Shared: the owning sender/receiver may be closed from a thread other than the one that encodes.
    private final Arena arena = Arena.ofShared();
    /**
     * Why a snapshot of each page: the guest may write a page while it is compressed. Stock zlib copies its
     * input into its window before matching (read_buf), so it would emit a stream of some mix of old and new
     * bytes that still inflates to exactly one page. But zlib does not promise that, and the JDK may be linked
     * to a system zlib that reads the input in place more than once (QEMU copies pages before deflate for
     * exactly this: s390x's hardware-assisted zlib corrupted its window). A page copy into memory we own is
     * cheap next to DEFLATE of that page and makes the stream valid whatever zlib the JDK uses; a page whose
     * content changed is resent by dirty tracking anyway.
     */
    private final MemorySegment snapshot;
    private final ByteBuffer snapshotBuffer;
    private final Deflater deflater;
    private final Inflater inflater;
    private final byte[] oneMore = new byte[1];
    private long pagesDone;
    private boolean closed;

    /** Level {@value #DEFAULT_LEVEL}, dynamic Huffman. */
    public JavaDeflatePageCodec(int pageSize) {
        this(pageSize, DEFAULT_LEVEL, Huffman.DYNAMIC);
    }

    /**
     * @param level   zlib level 1..9 (0 would store every page, which the format sends raw anyway)
     * @param huffman see the class comment: {@code FIXED} compresses like {@code DYNAMIC} in this tier
     */
    public JavaDeflatePageCodec(int pageSize, int level, Huffman huffman) {
        if (pageSize <= 1 || Integer.bitCount(pageSize) != 1) {
            throw new IllegalArgumentException("page size must be a power of two > 1, got " + pageSize);
        }
        if (level < 1 || level > 9) {
            throw new IllegalArgumentException("DEFLATE level must be between 1 and 9, got " + level);
        }
        this.pageSize = pageSize;
        this.level = level;
        this.huffman = Objects.requireNonNull(huffman, "huffman");
        this.snapshot = arena.allocate(pageSize, 64);
        this.snapshotBuffer = snapshot.asByteBuffer();
        this.deflater = new Deflater(level, true);
        this.deflater.setStrategy(Deflater.DEFAULT_STRATEGY);
        this.inflater = new Inflater(true);
    }

    @Override
    public String tier() {
        return "java";
    }

    public int level() {
        return level;
    }

    public Huffman huffman() {
        return huffman;
    }

    @Override
    public void compress(List<MemorySegment> pages, List<MemorySegment> slots, int[] lengths) {
        checkOpen();
        int n = pages.size();
        if (slots.size() != n || lengths.length < n) {
            throw new IllegalArgumentException(n + " pages but " + slots.size() + " slots and " + lengths.length
                    + " lengths");
        }
        for (int i = 0; i < n; i++) {
            MemorySegment page = pages.get(i);
            MemorySegment slot = slots.get(i);
            if (page.byteSize() != pageSize) {
                throw new IllegalArgumentException("page " + i + " has " + page.byteSize()
                        + " bytes, not the page size " + pageSize);
            }
            if (slot.byteSize() < pageSize - 1) {
                throw new IllegalArgumentException("slot " + i + " has " + slot.byteSize() + " bytes, needs "
                        + (pageSize - 1));
            }
            lengths[i] = compressPage(page, slot.asSlice(0, pageSize - 1).asByteBuffer());
            pagesDone++;
        }
    }

    /** Returns the stream length in {@code (0, pageSize)}, or {@code pageSize} when the page does not shrink. */
    private int compressPage(MemorySegment page, ByteBuffer slot) {
        MemorySegment.copy(page, 0, snapshot, 0, pageSize);
        deflater.reset();
        deflater.setInput(snapshotBuffer.clear());
        deflater.finish();
        // With finish() set and room in the slot, every call either fills the slot or ends the stream; the
        // idle counter only guards against a zlib that returns without progress.
        int idleCalls = 0;
        while (!deflater.finished() && slot.hasRemaining() && idleCalls < 2) {
            idleCalls = deflater.deflate(slot) == 0 ? idleCalls + 1 : 0;
        }
        // Not finished within pageSize - 1 bytes: the page does not shrink, send it raw.
        return deflater.finished() ? slot.position() : pageSize;
    }

    @Override
    public void decompress(List<MemorySegment> streams, List<MemorySegment> pages) throws CorruptPayloadException {
        checkOpen();
        int n = streams.size();
        if (pages.size() != n) {
            throw new IllegalArgumentException(n + " streams but " + pages.size() + " pages");
        }
        for (int i = 0; i < n; i++) {
            MemorySegment page = pages.get(i);
            if (page.byteSize() != pageSize) {
                throw new IllegalArgumentException("page " + i + " has " + page.byteSize()
                        + " bytes, not the page size " + pageSize);
            }
            MemorySegment stream = streams.get(i);
            // The output view is exactly the page: whatever the stream says, zlib cannot write past it.
            inflatePage(i, stream, page.asByteBuffer());
            pagesDone++;
        }
    }

    private void inflatePage(int index, MemorySegment stream, ByteBuffer page) throws CorruptPayloadException {
        inflater.reset();
        inflater.setInput(stream.asByteBuffer());
        try {
            while (true) {
                int written = page.position();
                long read = inflater.getBytesRead();
                inflater.inflate(page);
                if (inflater.finished()) {
                    break;
                }
                if (inflater.needsDictionary()) {
                    throw new CorruptPayloadException(index, "DEFLATE stream asks for a preset dictionary");
                }
                boolean progress = page.position() != written || inflater.getBytesRead() != read;
                if (!progress) {
                    // A full page and no end yet: either more output is due, or the stream stops short of its
                    // end; one byte more tells which (zlib may already hold all the input either way).
                    if (!page.hasRemaining() && inflater.inflate(oneMore) > 0) {
                        throw new CorruptPayloadException(index, "DEFLATE stream inflates to more than one page ("
                                + pageSize + " bytes)");
                    }
                    if (inflater.finished()) {
                        break;
                    }
                    throw new CorruptPayloadException(index, "DEFLATE stream of " + stream.byteSize()
                            + " bytes ends before its final block, after inflating " + page.position() + " of "
                            + pageSize + " bytes");
                }
            }
        } catch (DataFormatException e) {
            throw new CorruptPayloadException(index, "invalid DEFLATE stream: " + e.getMessage(), e);
        }
        if (page.position() != pageSize) {
            throw new CorruptPayloadException(index, "DEFLATE stream inflates to " + page.position()
                    + " bytes, less than one page (" + pageSize + " bytes)");
        }
        int trailing = inflater.getRemaining();
        if (trailing != 0) {
            throw new CorruptPayloadException(index, trailing + " bytes of trailing data after the end of the "
                    + "DEFLATE stream (" + stream.byteSize() + " bytes in all)");
        }
    }

    /** {@code pages_java}: pages this codec compressed (raw ones included) or inflated. */
    @Override
    public MethodStatistics statistics() {
        return new MethodStatistics(Map.of("pages_java", pagesDone));
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("java page codec is closed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            deflater.end();
            inflater.end();
        } finally {
            arena.close();
        }
    }
}
