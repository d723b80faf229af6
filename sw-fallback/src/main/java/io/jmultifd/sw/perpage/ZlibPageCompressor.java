package io.jmultifd.sw.perpage;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.zip.Deflater;

/**
 * {@code qpl-huffman=dynamic} in the java tier: {@link Deflater} (raw, zlib's default strategy) at a level, reused
 * with {@code reset()}, fed with direct {@link ByteBuffer} views so that zlib reads and writes native memory itself.
 * zlib builds Huffman tables per block, and writes a fixed block by itself where that is smaller.
 */
final class ZlibPageCompressor implements PageCompressor {
    private final int pageSize;
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

    ZlibPageCompressor(int pageSize, int level) {
        this.pageSize = pageSize;
        this.snapshot = arena.allocate(pageSize, 64);
        this.snapshotBuffer = snapshot.asByteBuffer();
        this.deflater = new Deflater(level, true);
        this.deflater.setStrategy(Deflater.DEFAULT_STRATEGY);
    }

    @Override
    public int compress(MemorySegment page, MemorySegment slot) {
        ByteBuffer out = slot.asSlice(0, pageSize - 1).asByteBuffer();
        MemorySegment.copy(page, 0, snapshot, 0, pageSize);
        deflater.reset();
        deflater.setInput(snapshotBuffer.clear());
        deflater.finish();
        // With finish() set and room in the slot, every call either fills the slot or ends the stream; the
        // idle counter only guards against a zlib that returns without progress.
        int idleCalls = 0;
        while (!deflater.finished() && out.hasRemaining() && idleCalls < 2) {
            idleCalls = deflater.deflate(out) == 0 ? idleCalls + 1 : 0;
        }
        // Not finished within pageSize - 1 bytes: the page does not shrink, send it raw.
        return deflater.finished() ? out.position() : pageSize;
    }

    @Override
    public void close() {
        try {
            deflater.end();
        } finally {
            arena.close();
        }
    }
}
