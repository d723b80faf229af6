package io.jmultifd.accel.qpl;

import io.jmultifd.spi.ChannelContext;
import io.jmultifd.spi.ChannelReceiver;
import io.jmultifd.spi.CorruptPayloadException;
import io.jmultifd.spi.MethodStatistics;
import io.jmultifd.spi.PageCodec;
import io.jmultifd.sw.PacketChecks;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Receives packets in the {@code qpl} per-page format with any {@link PageCodec} tier: checks the whole length
 * header and every compressed page's stream ({@link DeflateStreamCheck}) before touching a target, copies raw
 * pages, and hands the compressed ones to the codec as one batch. The stream check, not the codec, decides what
 * is a corrupt page, so every tier rejects the same packets with the same message.
 *
 * <p>Owns the codec: {@link #close()} closes it. Holds no off-heap memory of its own.
 */
final class PerPageReceiver implements ChannelReceiver {
    private final PageCodec codec;
    private final int pageSize;
    private final int maxPages;
    private final int[] lengths;
    /** packet index of the i-th compressed page, to name the page when the codec rejects a stream */
    private final int[] compressedIndex;
    private final List<MemorySegment> streams;
    private final List<MemorySegment> streamTargets;
    private final DeflateStreamCheck streamCheck;
    private long pagesRaw;
    private long bytesIn;
    private long bytesOut;
    private boolean closed;

    public PerPageReceiver(ChannelContext context, PageCodec codec) {
        this.codec = Objects.requireNonNull(codec, "codec");
        this.pageSize = context.pageSize();
        this.maxPages = context.maxPagesPerPacket();
        this.lengths = new int[maxPages];
        this.compressedIndex = new int[maxPages];
        this.streams = new ArrayList<>(maxPages);
        this.streamTargets = new ArrayList<>(maxPages);
        this.streamCheck = new DeflateStreamCheck(pageSize);
    }

    /** The codec tier doing the decompression, e.g. {@code "java"}. */
    public String tier() {
        return codec.tier();
    }

    @Override
    public long maxPayloadSize(int pages) {
        return PerPageFormat.maxPayloadSize(pages, pageSize);
    }

    @Override
    public void decode(MemorySegment payload, List<MemorySegment> targets) throws CorruptPayloadException {
        PacketChecks.requireOpen(closed, "receiver");
        PacketChecks.checkPages(targets, pageSize, maxPages, "target", false);
        int n = targets.size();
        PerPageFormat.readLengths(payload, n, pageSize, lengths);

        streams.clear();
        streamTargets.clear();
        long offset = PerPageFormat.headerSize(n);
        int compressed = 0;
        for (int i = 0; i < n; i++) {
            int length = lengths[i];
            if (length != pageSize) {
                MemorySegment stream = payload.asSlice(offset, length);
                String invalid = streamCheck.check(stream);
                if (invalid != null) {
                    streams.clear();
                    streamTargets.clear();
                    throw new CorruptPayloadException(i, "(" + codec.tier() + " tier) " + invalid);
                }
                streams.add(stream);
                streamTargets.add(targets.get(i));
                compressedIndex[compressed++] = i;
            }
            offset += length;
        }
        if (compressed > 0) {
            try {
                codec.decompress(streams, streamTargets);
            } catch (CorruptPayloadException e) {
                throw renumbered(e, compressed);
            } finally {
                // Do not keep the payload's and targets' segments reachable between packets.
                streams.clear();
                streamTargets.clear();
            }
        }
        offset = PerPageFormat.headerSize(n);
        for (int i = 0; i < n; i++) {
            int length = lengths[i];
            if (length == pageSize) {
                MemorySegment.copy(payload, offset, targets.get(i), 0, pageSize);
                pagesRaw++;
            }
            offset += length;
        }
        bytesIn += payload.byteSize();
        bytesOut += (long) n * pageSize;
    }

    /** The codec numbers pages within its batch of compressed pages; the packet's index is what helps. */
    private CorruptPayloadException renumbered(CorruptPayloadException e, int compressed) {
        int batchIndex = e.pageIndex();
        if (batchIndex < 0 || batchIndex >= compressed) {
            return e;
        }
        return new CorruptPayloadException(compressedIndex[batchIndex], "(" + codec.tier() + " tier) " + e.reason(),
                e);
    }

    /**
     * The {@code qpl} method's eight counters ({@link QplCounters}): the codec's (compressed pages only), and this
     * receiver's raw pages copied, payload bytes in (length header included) and page bytes out.
     */
    @Override
    public MethodStatistics statistics() {
        return QplCounters.of(codec.statistics(), pagesRaw, bytesIn, bytesOut);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        codec.close();
    }
}
