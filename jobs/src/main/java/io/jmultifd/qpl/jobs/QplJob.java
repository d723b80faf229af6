package io.jmultifd.qpl.jobs;

import io.jmultifd.qpl.ffi.qpl_h;
import io.jmultifd.qpl.ffi.qpl_job;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * One {@code qpl_job}: its memory ({@code qpl_get_job_size} bytes for the path) owned by an {@link Arena},
 * initialised with {@code qpl_init_job} on creation and released with {@code qpl_fini_job} by {@link #close()}.
 *
 * <p>Made once per channel (or per page slot of a hardware batch) and reused for every page: the prepare
 * methods only write fields of the existing job, so the page path allocates nothing.
 *
 * <p>Only create jobs after {@code QplLibrary.load()} succeeded. Used by one thread at a time; the arena is
 * shared so that the owner may be closed from another thread once no job is in flight.
 */
public final class QplJob implements AutoCloseable {
    /** Fixed Huffman blocks: no table in the stream and one pass (QEMU's choice for multifd-qpl). */
    private static final int COMPRESS_FLAGS =
            qpl_h.QPL_FLAG_FIRST() | qpl_h.QPL_FLAG_LAST() | qpl_h.QPL_FLAG_OMIT_VERIFY();
    private static final int COMPRESS_DYNAMIC_FLAGS = COMPRESS_FLAGS | qpl_h.QPL_FLAG_DYNAMIC_HUFFMAN();
    private static final int DECOMPRESS_FLAGS = qpl_h.QPL_FLAG_FIRST() | qpl_h.QPL_FLAG_LAST();
    private static final int OP_COMPRESS = qpl_h.qpl_op_compress();
    private static final int OP_DECOMPRESS = qpl_h.qpl_op_decompress();
    /** Level 1, like QEMU: the only level QPL's hardware path has, and the fastest in software. */
    private static final int LEVEL = qpl_h.qpl_default_level();

    private final QplPath path;
    private final Arena arena;
    private final MemorySegment job;
    private boolean closed;

    private QplJob(QplPath path, Arena arena, MemorySegment job) {
        this.path = path;
        this.arena = arena;
        this.job = job;
    }

    /**
     * Allocates and initialises a job.
     *
     * @throws QplException naming the status when {@code qpl_get_job_size} or {@code qpl_init_job} fails, e.g.
     *         {@code QPL_STS_INIT_LIBACCEL_NOT_FOUND (501)} for the hardware path on a host without libaccel-config (no IAA)
     */
    public static QplJob open(QplPath path) {
        Objects.requireNonNull(path, "path");
        Arena arena = Arena.ofShared();
        try {
            MemorySegment size = arena.allocate(ValueLayout.JAVA_INT);
            int status = qpl_h.qpl_get_job_size(path.code(), size);
            if (status != QplStatus.OK.code()) {
                throw new QplException(status, "qpl_get_job_size", path);
            }
            int bytes = size.get(ValueLayout.JAVA_INT, 0);
            if (bytes < qpl_job.layout().byteSize()) {
                throw new IllegalStateException("qpl_get_job_size(" + path.tierName() + ") gave " + bytes
                        + " bytes, less than sizeof(qpl_job) = " + qpl_job.layout().byteSize());
            }
            MemorySegment job = arena.allocate(bytes, 64);
            status = qpl_h.qpl_init_job(path.code(), job);
            if (status != QplStatus.OK.code()) {
                // No fini: the job never came up, and QPL's fini on a failed init is not defined.
                throw new QplException(status, "qpl_init_job", path);
            }
            return new QplJob(path, arena, job);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    public QplPath path() {
        return path;
    }

    /** The job structure itself, for {@link QplCalls}. */
    public MemorySegment segment() {
        checkOpen();
        return job;
    }

    /**
     * Prepares a one-shot raw DEFLATE compression of the first {@code inLength} bytes of {@code in} into at
     * most {@code outCapacity} bytes of {@code out}: level 1, flags {@code FIRST|LAST|OMIT_VERIFY}
     * (+ {@code DYNAMIC_HUFFMAN}). OMIT_VERIFY because the guest may write the page while it is compressed,
     * which would make QPL's verify pass reject a valid stream; the receiver checks every stream anyway.
     * Lengths instead of slices so that the page path allocates no segment views.
     */
    public void prepareCompress(MemorySegment in, int inLength, MemorySegment out, int outCapacity,
                                boolean dynamicHuffman) {
        prepare(OP_COMPRESS, dynamicHuffman ? COMPRESS_DYNAMIC_FLAGS : COMPRESS_FLAGS, in, inLength, out,
                outCapacity);
    }

    /**
     * Prepares a one-shot inflate of the raw DEFLATE stream in the first {@code inLength} bytes of {@code in}
     * into at most {@code outCapacity} bytes of {@code out} (flags FIRST|LAST). QPL never writes past
     * {@code outCapacity}: a longer stream ends with {@code QPL_STS_MORE_OUTPUT_NEEDED}.
     */
    public void prepareDecompress(MemorySegment in, int inLength, MemorySegment out, int outCapacity) {
        prepare(OP_DECOMPRESS, DECOMPRESS_FLAGS, in, inLength, out, outCapacity);
    }

    private void prepare(int op, int flags, MemorySegment in, int inLength, MemorySegment out, int outCapacity) {
        checkOpen();
        // The job holds raw addresses: QPL (or the device) reads and writes them after this returns, so the
        // bounds are checked here, against the segments, once.
        requireNative(in, "input");
        requireNative(out, "output");
        if (inLength < 0 || inLength > in.byteSize()) {
            throw new IndexOutOfBoundsException("input length " + inLength + " outside the " + in.byteSize()
                    + "-byte input segment");
        }
        if (outCapacity < 0 || outCapacity > out.byteSize()) {
            throw new IndexOutOfBoundsException("output capacity " + outCapacity + " outside the "
                    + out.byteSize() + "-byte output segment");
        }
        qpl_job.op(job, op);
        qpl_job.level(job, LEVEL);
        qpl_job.flags(job, flags);
        qpl_job.next_in_ptr(job, in);
        qpl_job.available_in(job, inLength);
        qpl_job.next_out_ptr(job, out);
        qpl_job.available_out(job, outCapacity);
        qpl_job.total_in(job, 0);
        qpl_job.total_out(job, 0);
    }

    private static void requireNative(MemorySegment segment, String what) {
        if (!segment.isNative()) {
            throw new IllegalArgumentException(what + " must be off-heap (a native MemorySegment): a QPL job "
                    + "keeps its address, which a heap segment does not have");
        }
    }

    /** Bytes written to the output by the last run. */
    public int totalOut() {
        checkOpen();
        return qpl_job.total_out(job);
    }

    /** Bytes of input consumed by the last run. */
    public int totalIn() {
        checkOpen();
        return qpl_job.total_in(job);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException(path.tierName() + " QPL job is closed");
        }
    }

    /**
     * {@code qpl_fini_job}, then frees the memory. The caller must not close a job that was submitted and not
     * yet waited for. A failing fini is not thrown: the memory is freed all the same and there is nothing
     * else to undo.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            qpl_h.qpl_fini_job(job);
        } finally {
            arena.close();
        }
    }
}
