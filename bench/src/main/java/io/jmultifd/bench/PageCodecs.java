package io.jmultifd.bench;

import io.jmultifd.qpl.QplLibrary;
import io.jmultifd.qpl.jobs.QplCalls;
import io.jmultifd.qpl.jobs.SoftwarePageExecutor;
import io.jmultifd.spi.PageCodec;
import io.jmultifd.sw.perpage.Huffman;
import io.jmultifd.sw.perpage.JavaDeflatePageCodec;
import java.util.List;

/**
 * The per-page codecs of the {@code qpl} format, configured as the C reference runs libqpl: level 1, fixed
 * Huffman. {@code software} is the FFM path of the jobs module ({@link SoftwarePageExecutor}, one
 * {@code qpl_execute_job} per page, the {@code qpl} method's software tier itself);
 * {@code java} is the java tier (its own one-pass fixed-Huffman encoder, {@code JavaDeflatePageCodec}).
 * {@code software-dynamic} and {@code java-dynamic} (java.util.zip's {@code Deflater}), outside the default set
 * ({@code -p tier=...}), use dynamic Huffman tables ({@code qpl-huffman=dynamic}).
 */
final class PageCodecs {
    static final List<String> TIERS = List.of("software", "java");

    private PageCodecs() {}

    static PageCodec open(String tier) {
        return switch (tier) {
            case "software" -> {
                QplLibrary.load(); // a clear QplUnavailableException (with every place searched) when absent
                yield new SoftwarePageExecutor(BenchPages.PAGE, BenchPages.PACKET_PAGES, false, QplCalls.bindings());
            }
            case "software-dynamic" -> {
                QplLibrary.load();
                yield new SoftwarePageExecutor(BenchPages.PAGE, BenchPages.PACKET_PAGES, true, QplCalls.bindings());
            }
            case "java" -> new JavaDeflatePageCodec(BenchPages.PAGE, 1, Huffman.FIXED);
            case "java-dynamic" -> new JavaDeflatePageCodec(BenchPages.PAGE, 1, Huffman.DYNAMIC);
            default -> throw new IllegalArgumentException("page codec tier " + tier + ": unknown; known: " + TIERS
                    + ", software-dynamic, java-dynamic");
        };
    }
}
