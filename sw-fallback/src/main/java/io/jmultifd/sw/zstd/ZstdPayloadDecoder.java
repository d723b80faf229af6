package io.jmultifd.sw.zstd;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;
import io.jmultifd.spi.CorruptPayloadException;
import io.jmultifd.sw.StreamIntoPages;
import java.nio.ByteBuffer;

/**
 * Both zstd receivers' decompression context, fed one packet's payload at a time, for {@link StreamIntoPages}'
 * page loop.
 */
final class ZstdPayloadDecoder implements StreamIntoPages.Decoder {
    final ZstdDecompressCtx context = new ZstdDecompressCtx();
    /** "frame" or "stream": what an invalid input is called in errors. */
    private final String unit;
    /** The payload of the packet being decoded. */
    private ByteBuffer source;

    ZstdPayloadDecoder(String unit) {
        this.unit = unit;
    }

    /** Decodes from {@code payload} until {@link #done()}. */
    void from(ByteBuffer payload) {
        source = payload;
    }

    void done() {
        source = null;
    }

    @Override
    public boolean decodeInto(ByteBuffer target) throws StreamIntoPages.InvalidStream {
        try {
            return context.decompressDirectByteBufferStream(target, source);
        } catch (ZstdException e) {
            throw new StreamIntoPages.InvalidStream("invalid zstd " + unit + ": " + errorName(e), e);
        }
    }

    @Override
    public long bytesRead() {
        return source.position();
    }

    @Override
    public long bytesRemaining() {
        return source.remaining();
    }

    /**
     * zstd-jni's streaming calls build the exception message from the bare error code, which libzstd's
     * ZSTD_getErrorName does not understand ("No error detected"); it wants the negated code, as returned.
     */
    static String errorName(ZstdException e) {
        long code = e.getErrorCode();
        return Zstd.getErrorName(-code) + " (zstd error " + code + ")";
    }

    /**
     * Checks a payload's length against the longest that {@code pages} pages can take ({@code unit}: what holds
     * them, in the error); false for a packet of no pages (whose payload must then be empty): nothing to decode.
     */
    static boolean holdsPages(long size, int pages, long maxPayload, String unit) throws CorruptPayloadException {
        if (size > maxPayload) {
            throw new CorruptPayloadException(-1, "zstd payload of " + size + " bytes is longer than the "
                    + maxPayload + " bytes " + unit + " of " + pages + " pages can take");
        }
        if (pages == 0 && size != 0) {
            throw new CorruptPayloadException(-1, size + " bytes of zstd payload in a packet of no pages");
        }
        return pages != 0;
    }
}
