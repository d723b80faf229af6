package io.jmultifd.sw.perpage;

import io.jmultifd.spi.CorruptPayloadException;
import io.jmultifd.spi.MethodStatistics;
import io.jmultifd.spi.PageCodec;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * The {@code java} tier of the {@code qpl} method's per-page format (accel-plugin): raw DEFLATE, one stream per
 * page, needing no native library of ours.
 *
 * <p>{@code qpl-huffman}: {@link Huffman#FIXED} is {@link FixedHuffmanPageEncoder}, a one-pass encoder of fixed
 * Huffman blocks (what QPL writes with that setting; {@link Deflater} cannot be asked for them).
 * {@link Huffman#DYNAMIC} is {@link ZlibPageCompressor}: {@link Deflater} at a level, with tables per page.
 * Either way the stream is plain raw DEFLATE that every tier decodes. Decompression is one {@link Inflater}, reused
 * with {@code reset()} and fed with the segments' {@link ByteBuffer} views (direct for native memory, so zlib reads
 * and writes the segments themselves).
 */
public final class JavaDeflatePageCodec implements PageCodec {
    /** QEMU's default for its zlib method, and the fastest level that still searches for matches. */
    public static final int DEFAULT_LEVEL = 1;

    private final int pageSize;
    private final int level;
    private final Huffman huffman;
    private final PageCompressor compressor;
    private final Inflater inflater;
    private final byte[] oneMore = new byte[1];
    private long pagesDone;
    private boolean closed;

    /** Level {@value #DEFAULT_LEVEL}, dynamic Huffman. */
    public JavaDeflatePageCodec(int pageSize) {
        this(pageSize, DEFAULT_LEVEL, Huffman.DYNAMIC);
    }

    /**
     * @param level   zlib's level 1..9 for {@code DYNAMIC} (0 would store every page, which the format sends raw
     *                anyway); the fixed-Huffman encoder has a single way to search and does not use it
     * @param huffman which compressor, see the class comment
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
        this.compressor = huffman == Huffman.FIXED ? new FixedHuffmanPageEncoder(pageSize)
                : new ZlibPageCompressor(pageSize, level);
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
            lengths[i] = compressor.compress(page, slot);
            pagesDone++;
        }
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
            inflater.end();
        } finally {
            compressor.close();
        }
    }
}
